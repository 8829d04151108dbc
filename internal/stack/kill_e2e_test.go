package stack

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// workerProcess is `go run ./worker` as a real process, pointed at an emulator that outlives it.
type workerProcess struct {
	t                  *testing.T
	bin, dir, emu      string
	temporal, http, ui string
	cmd                *exec.Cmd
	out                testkit.Buffer
}

func (w *workerProcess) start() {
	w.t.Helper()
	w.cmd = exec.Command(w.bin, "--data-dir", w.dir, "--dev-temporal-address", w.temporal, "--ui-address", w.ui,
		"--http-address", w.http, "--webhook-address", testkit.FreeAddr(w.t), "--graph-url", w.emu+"/v1.0", "--graph-static-token", "t",
		"--sender-mailbox", graphemu.DemoSenderID, "--poll-interval", "1s", "--log-level", "warn", "--delivery", "manager-mail")
	w.cmd.Env = []string{"HOME=" + w.dir, "PATH=" + os.Getenv("PATH")}
	w.cmd.Stdout, w.cmd.Stderr = &w.out, &w.out // shown only when the test fails
	require.NoError(w.t, w.cmd.Start())
	require.Eventually(w.t, func() bool {
		resp, err := http.Get("http://" + w.http + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 100*time.Millisecond, "the worker process is ready")
}

// kill sends SIGKILL: no drain, no checkpoint, nothing finishes.
func (w *workerProcess) kill() {
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	_ = w.cmd.Wait()
}

// TestKilledMidIssueAndMidWait: the worker process (with its embedded server) is SIGKILLed while a pass is
// being delivered and again while the joiner waits to register. Each time it restarts on the same database:
// the journey completes, the manager's mail holds the one valid pass, nothing is lost.
func TestKilledMidIssueAndMidWait(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "worker")
	build := exec.Command("go", "build", "-o", bin, "../../worker")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	require.NoError(t, build.Run())

	emuSrv := httptest.NewServer(graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed()}).Handler())
	defer emuSrv.Close()
	emu := emuSrv.URL + "/_emulator"
	w := &workerProcess{t: t, bin: bin, dir: t.TempDir(), emu: emuSrv.URL, temporal: testkit.FreeAddr(t), http: testkit.FreeAddr(t), ui: testkit.FreeAddr(t)}
	w.start()
	defer w.kill()
	defer func() {
		if t.Failed() {
			t.Logf("worker output:\n%s", w.out.Bytes())
		}
	}()

	// The first mail hangs for five seconds: the worker dies while delivering a pass it has just created.
	postJSON(t, emu+"/faults", `{"method":"POST","path":"/sendMail$","latency_ms":5000,"count":1}`, nil)
	c, err := client.Dial(client.Options{HostPort: w.temporal, Logger: quietSDK()})
	require.NoError(t, err)
	_, err = intake.Submit(context.Background(), c, hrevent.Event{ID: "kill-hire", Type: hrevent.Hire, OccurredAt: time.Now().UTC(),
		Employee: hrevent.Employee{EmployeeID: "E1001", User: graphemu.DemoAdaLovelaceID, TimeZone: "UTC",
			StartDate: time.Now().UTC().Format("2006-01-02"), StartTime: "00:00"}})
	require.NoError(t, err)
	c.Close()
	require.Eventually(t, func() bool {
		var reqs []struct{ Method, Path string }
		getJSON(t, emu+"/requests", &reqs)
		for _, r := range reqs {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/sendMail") {
				return true
			}
		}
		return false
	}, time.Minute, 50*time.Millisecond, "the pass is created and its mail is on its way")
	w.kill()
	var mail []emuMail
	getJSON(t, emu+"/mail", &mail)
	require.Empty(t, mail, "killed before the mail went out")

	w.start() // the delivery is retried once its heartbeat times out
	c, err = client.Dial(client.Options{HostPort: w.temporal, Logger: quietSDK()})
	require.NoError(t, err)
	defer c.Close()
	require.Eventually(t, func() bool {
		getJSON(t, emu+"/mail", &mail)
		return len(mail) == 1
	}, 4*time.Minute, 200*time.Millisecond, "a fresh pass is delivered after the restart (its heartbeat times out in 45 s)")
	var u faultUser
	getJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID, &u)
	require.Len(t, u.IssuedPasses, 2, "the undelivered pass was replaced by the delivered one")
	var v struct{ Valid, Usable bool }
	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/tap/verify", fmt.Sprintf(`{"pass":%q}`, u.IssuedPasses[1]), &v)
	require.True(t, v.Valid, "the mailed pass is the live one")
	require.Contains(t, html.UnescapeString(mail[0].Body), u.IssuedPasses[1])

	w.kill() // mid-wait
	w.start()
	c2, err := client.Dial(client.Options{HostPort: w.temporal, Logger: quietSDK()})
	require.NoError(t, err)
	defer c2.Close()
	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	require.Eventually(t, func() bool {
		v, err := c2.QueryWorkflow(context.Background(), "employee/E1001", "", workflows.QueryStatus)
		if err != nil {
			return false
		}
		var st workflows.Status
		return v.Get(&st) == nil && st.Journey != nil && st.Journey.Outcome == workflows.OutcomeRegistered
	}, 3*time.Minute, 200*time.Millisecond, "a poll cut short by the kill is retried after its start-to-close timeout (45 s)")
	getJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID, &u)
	require.Nil(t, u.TemporaryAccessPass, "revoked after the second restart")
	getJSON(t, emu+"/mail", &mail)
	require.Len(t, mail, 1, "no second mail")
	faultRow(t, "SIGKILL mid-issue, mid-wait", 1, len(u.IssuedPasses), 0, 0)
	// Nor did a crash leave a pass anywhere: the process's output, its metrics, the history, the database.
	sources := map[string][]byte{"worker output": w.out.Bytes(), "metrics": metricsText(t, "http://"+w.http),
		"history": clientHistoryJSON(t, c2, "employee/E1001")}
	w.kill()
	addDatabase(t, sources, w.dir)
	requireNoPasses(t, u.IssuedPasses, sources)
}
