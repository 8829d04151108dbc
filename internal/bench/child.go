package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/spf13/pflag"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/stack"
)

// The benchmark's workers run in a child process, as in production: the parent holds the Temporal server, the
// Graph emulator and the client, so the worker's memory is its own, and so is its /metrics.

// childEnv marks a process started as the benchmark's worker; profileEnv names the file its CPU profile goes to.
const (
	childEnv   = "TAPFLOW_BENCH_CHILD"
	profileEnv = "TAPFLOW_BENCH_CPUPROFILE"
)

// startCPUProfile profiles this process's CPU into path until the returned function runs.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// RunChildIfAsked runs the benchmark's worker and exits when this process was started as one; otherwise it
// returns at once. Call it first in main (and in TestMain of tests that run the benchmark).
func RunChildIfAsked() {
	if os.Getenv(childEnv) != "worker" {
		return
	}
	os.Exit(runChild())
}

// runChild is a tapflow worker configured from the environment (as the worker binary is), plus the baseline's
// worker, until SIGTERM.
func runChild() int {
	var cfg stack.Config
	set := cliconf.New(pflag.NewFlagSet("bench-worker", pflag.ContinueOnError))
	stack.Bind(set, &cfg)
	if err := set.ApplyEnv(os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if path := os.Getenv(profileEnv); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench worker:", err)
			return 1
		}
		defer stopProfile()
	}
	s, err := stack.Start(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 1
	}
	defer s.Stop()
	flows := worker.New(s.Client(), baselineQueue, worker.Options{})
	flows.RegisterWorkflow(BaselineWorkflow)
	flows.RegisterActivity(noop) // its local activities
	acts := worker.New(s.Client(), baselineActivityQueue, worker.Options{})
	acts.RegisterActivity(noop)
	for _, w := range []worker.Worker{flows, acts} {
		if err := w.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "bench worker: baseline worker:", err)
			return 1
		}
		defer w.Stop()
	}
	<-ctx.Done()
	return 0
}

// child is a running benchmark worker process.
type child struct {
	cmd    *exec.Cmd
	http   string // its health and metrics address
	out    *tail
	exited chan struct{} // closed when the process has ended
}

// httpc bounds every request to the worker process.
var httpc = &http.Client{Timeout: 30 * time.Second}

// startChild starts this executable as the benchmark's worker with env (and nothing else of this process's
// environment, so a shell's TAPFLOW_* settings do not leak in), and waits until it is ready.
func startChild(ctx context.Context, env map[string]string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable to start the worker process: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: exec.Command(exe), http: addr, out: &tail{max: 8 << 10}, exited: make(chan struct{})}
	c.cmd.SysProcAttr = dieWithParent() // a bench killed or panicking does not leave a worker behind
	c.cmd.Env = []string{childEnv + "=worker", "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TAPFLOW_HTTP_ADDRESS=" + addr}
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
