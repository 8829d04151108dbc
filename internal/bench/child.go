package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/benchworker"
)

// The benchmark's workers run in a child process, as in production: the parent holds the Temporal server, the
// Graph emulator and the client, so the worker's memory is its own, and so is its /metrics. The child runs in
// benchworker's mode.

// heapProfile has a profiled worker write its heap profile and waits until it is there.
func (c *child) heapProfile(ctx context.Context) error {
	if c.heap == "" {
		return nil
	}
	_ = os.Remove(c.heap)
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return fmt.Errorf("ask the worker process for a heap profile: %w", err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if _, err := os.Stat(c.heap); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the worker process wrote no heap profile to %s in 30 s", c.heap)
}

// child is a running benchmark worker process.
type child struct {
	cmd    *exec.Cmd
	heap   string // where it writes a heap profile, when profiled
	http   string // its health and metrics address
	out    *tail
	exited chan struct{} // closed when the process has ended
}

// httpc bounds every request to the worker process.
var httpc = &http.Client{Timeout: 30 * time.Second}

// startChild starts exe ("" for this executable) as the benchmark's worker with env (and nothing else of this process's
// environment, so a shell's TAPFLOW_* settings do not leak in), and waits until it is ready.
func startChild(ctx context.Context, exe string, env map[string]string) (*child, error) {
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find this executable to start the worker process: %w", err)
		}
		exe = self
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: exec.Command(exe), http: addr, out: &tail{max: 8 << 10}, exited: make(chan struct{})}
	if cpu := env[benchworker.ProfileEnv]; cpu != "" {
		c.heap = benchworker.HeapPath(cpu)
	}
	c.cmd.SysProcAttr = dieWithParent() // a bench killed or panicking does not leave a worker behind
	c.cmd.Env = []string{benchworker.Env + "=worker", "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TAPFLOW_HTTP_ADDRESS=" + addr}
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the worker process: %w", err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-c.exited:
			return nil, fmt.Errorf("the worker process exited (%v): %s", c.cmd.ProcessState, c.out.String())
		default:
		}
		resp, err := httpc.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			c.stop()
			return nil, fmt.Errorf("the worker process did not become ready: %s", c.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM (the worker drains) and waits; after 30 s it kills.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// metrics scrapes the worker's /metrics.
func (c *child) metrics(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.http+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpc.Do(req)
	if err != nil {
		select {
		case <-c.exited: // say why: the process is gone
			return nil, fmt.Errorf("scrape the worker's metrics: the worker process exited (%v): %s", c.cmd.ProcessState, c.out.String())
		default:
		}
		return nil, fmt.Errorf("scrape the worker's metrics: %w", err)
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse the worker's metrics: %w", err)
	}
	return fams, nil
}

// rss is the worker process's resident set size and its peak, in MiB.
func (c *child) rss() (now, peak float64) {
	return rssOf("/proc/" + strconv.Itoa(c.cmd.Process.Pid) + "/status")
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("pick a port for the worker process: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail keeps the last max bytes written, for an error message.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// handshake waits until the worker process ch polls the baseline's queue in c's namespace, which only a worker
// in benchworker's mode does. A worker built without -tags bench stops at once when started as one (startChild
// reports what it says); a binary that knows nothing of the mode runs as a plain worker, which this catches.
func handshake(ctx context.Context, c client.Client, ch *child) error {
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := c.DescribeTaskQueue(ctx, benchworker.BaselineQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil && len(resp.GetPollers()) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the worker process does not run the benchmark's worker (no poller on %s after 30 s; %v): "+
				"give --worker-binary a worker built from this checkout with -tags %s, or leave it out",
				benchworker.BaselineQueue, err, WorkerTags)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch.exited:
			return fmt.Errorf("the worker process exited (%v): %s", ch.cmd.ProcessState, ch.out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
