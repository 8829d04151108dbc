package stack

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
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

	"github.com/tapflow/tapflow/internal/devserver"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/pgtest"
	"github.com/tapflow/tapflow/internal/searchattr"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/webhook/whtest"
	"github.com/tapflow/tapflow/workflows"
)

// process is a tapflow binary run as its own OS process, as in production.
type process struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  testkit.Buffer
}

func startProcess(t *testing.T, name, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{t: t, name: name, cmd: exec.Command(bin, args...)}
	p.cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	require.NoError(t, p.cmd.Start(), name)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.Bytes())
		}
	})
	return p
}

func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// waitHTTP waits until a GET on url answers 200.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 2*time.Minute, 100*time.Millisecond, "%s answers", url)
}

// buildBinary builds a tapflow binary as the production image does: without the embedded server (-tags nodev).
func buildBinary(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	build := exec.Command("go", "build", "-tags", "nodev", "-o", bin, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	require.NoError(t, build.Run(), "go build %s", pkg)
	return bin
}

// TestPostgresProductionPath is the production shape on one machine: a Temporal server on PostgreSQL with four
// history shards, two worker processes and the webhook receiver as separate processes built as in the production
// image (no embedded server), payloads encrypted. Six
// joiners come in through the signed webhook; one worker is SIGKILLed as the first pass is delivered; a seventh
// joiner arrives while it is dead; one joiner leaves while waiting and one after registering. Every joiner gets
// exactly one mail with the one live pass, a pass delivered before the kill is never issued again, and every
// pass ends revoked.
func TestPostgresProductionPath(t *testing.T) {
	dsn := pgtest.DSN(t)
	workerBin, starterBin := buildBinary(t, "../../worker"), buildBinary(t, "../../starter")

	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{Address: testkit.FreeAddr(t), Postgres: dsn, HistoryShards: 4,
		SearchAttributes: searchattr.Definitions()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() }) // after the processes (cleanups run last-in first-out)
	emuSrv := httptest.NewServer(graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed()}).Handler())
	t.Cleanup(emuSrv.Close)
	emu := emuSrv.URL + "/_emulator"

	keys := "k1=" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("postgres-suite-signing-secret-32"))
	common := []string{"TEMPORAL_ADDRESS=" + srv.FrontendAddress(), "TEMPORAL_NAMESPACE=default",
		"TAPFLOW_ENCRYPTION_KEYS=" + keys, "TAPFLOW_LOG_FORMAT=json", "TAPFLOW_LOG_LEVEL=info"}
	workerEnv := append([]string{"TAPFLOW_CODEC_TOKEN=" + strings.Repeat("c", 32),
		"TAPFLOW_GRAPH_URL=" + emuSrv.URL + "/v1.0", "TAPFLOW_GRAPH_STATIC_TOKEN=t",
		"TAPFLOW_SENDER_MAILBOX=" + graphemu.DemoSenderID, "TAPFLOW_POLL_INTERVAL=1s", "TAPFLOW_DELIVERY=manager-mail"}, common...)
	var workers [2]*process
	var workerHTTP [2]string
	for i := range workers {
		workerHTTP[i] = testkit.FreeAddr(t)
		workers[i] = startProcess(t, fmt.Sprintf("worker-%d", i+1), workerBin,
			append([]string{"TAPFLOW_HTTP_ADDRESS=" + workerHTTP[i]}, workerEnv...))
	}
	hookAddr, hookMetrics := testkit.FreeAddr(t), testkit.FreeAddr(t)
	receiver := startProcess(t, "receiver", starterBin, append([]string{"TAPFLOW_WEBHOOK_SECRET=" + secret}, common...),
		"serve", "--webhook-address", hookAddr, "--metrics-address", hookMetrics)
	for _, a := range workerHTTP {
		waitHTTP(t, "http://"+a+"/readyz")
	}
	waitHTTP(t, "http://"+hookMetrics+"/metrics")

	send := func(body string) {
		t.Helper()
		req, err := whtest.Request("http://"+hookAddr+"/v1/events", secret, body)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	}
	users := map[string]string{} // employee id -> emulator user id
	hire := func(emp string) {
		var u struct{ ID string }
		postJSON(t, emu+"/users", fmt.Sprintf(`{"userPrincipalName":"%s@contoso.example","displayName":"PG %s",`+
			`"employeeId":%q,"managerId":%q}`, strings.ToLower(emp), emp, emp, graphemu.DemoGraceHopperID), &u)
		users[emp] = u.ID
		send(fmt.Sprintf(`{"id":"hire-%s","type":"hire","occurred_at":%q,"employee":{"employee_id":%q,"user":"%s@contoso.example",`+
			`"time_zone":"UTC","start_date":%q,"start_time":"00:00"}}`, emp, time.Now().UTC().Format(time.RFC3339), emp,
			strings.ToLower(emp), time.Now().UTC().Format("2006-01-02")))
	}
	leave := func(emp string) {
		send(fmt.Sprintf(`{"id":"leave-%s","type":"termination","occurred_at":%q,"employee":{"employee_id":%q,"leave_at":%q}}`,
			emp, time.Now().UTC().Format(time.RFC3339), emp, time.Now().UTC().Format(time.RFC3339)))
	}
	mails := func() map[string]int { // pass mails per employee (the subject or body names them)
		var mail []emuMail
		getJSON(t, emu+"/mail", &mail)
		n := map[string]int{}
		for _, m := range mail {
			for emp := range users {
				if strings.Contains(m.Body, "PG "+emp) || strings.Contains(m.Subject, "PG "+emp) {
					n[emp]++
				}
			}
		}
		return n
	}
	user := func(emp string) (u faultUser, enabled bool) {
		var v struct {
			faultUser
			AccountEnabled bool `json:"accountEnabled"`
		}
		getJSON(t, emu+"/users/"+users[emp], &v)
		return v.faultUser, v.AccountEnabled
	}

	for i := 1; i <= 6; i++ {
		hire(fmt.Sprintf("P%d", i))
	}
	require.Eventually(t, func() bool { return len(mails()) > 0 }, 2*time.Minute, 20*time.Millisecond, "a first pass is mailed")
	deliveredBeforeKill := mails()
	workers[0].kill()
	hire("P7") // only the second worker is left to serve it
	require.Eventually(t, func() bool { return len(mails()) == 7 }, 4*time.Minute, 200*time.Millisecond,
		"every joiner's pass is mailed, including the ones the killed worker was issuing (retried after its heartbeat timeout)")

	opts, err := temporalclient.Config{Address: srv.FrontendAddress(), Namespace: "default", EncryptionKeys: keys}.Options(slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	c, err := client.Dial(opts)
	require.NoError(t, err)
	defer c.Close()
	outcome := func(emp string) string {
		v, err := c.QueryWorkflow(ctx, "employee/"+emp, "", workflows.QueryStatus)
		if err != nil {
			return ""
		}
		var st workflows.Status
		if v.Get(&st) != nil || st.Journey == nil {
			return ""
		}
		return string(st.Journey.Outcome)
	}

	leave("P6") // leaves while waiting to register
	for i := 1; i <= 5; i++ {
		postJSON(t, emu+"/users/"+users[fmt.Sprintf("P%d", i)]+"/methods",
			`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	}
	postJSON(t, emu+"/users/"+users["P7"]+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	require.Eventually(t, func() bool {
		for emp := range users {
			want := string(workflows.OutcomeRegistered)
			if emp == "P6" {
				want = string(workflows.OutcomeDeparted)
			}
			if outcome(emp) != want {
				return false
			}
		}
		return true
	}, 3*time.Minute, 250*time.Millisecond, "every journey ends: registered, or departed for the leaver")
	leave("P1") // leaves after registering
	require.Eventually(t, func() bool { _, enabled := user("P1"); return !enabled }, time.Minute, 100*time.Millisecond,
		"the leaver's account is disabled")

	var passes []string
	issuedTotal := 0
	for emp := range users {
		u, _ := user(emp)
		require.Nil(t, u.TemporaryAccessPass, "%s: no pass is left live", emp)
		require.NotEmpty(t, u.IssuedPasses, emp)
		issuedTotal += len(u.IssuedPasses)
		passes = append(passes, u.IssuedPasses...)
		if deliveredBeforeKill[emp] > 0 {
			require.Len(t, u.IssuedPasses, 1, "%s: a pass delivered before the kill is never issued again", emp)
		}
	}
	var mail []emuMail
	getJSON(t, emu+"/mail", &mail)
	for emp, n := range mails() {
		require.Equal(t, 1, n, "%s: one mail", emp)
		u, _ := user(emp)
		last := u.IssuedPasses[len(u.IssuedPasses)-1]
		found := false
		for _, m := range mail {
			found = found || strings.Contains(html.UnescapeString(m.Body), last)
		}
		require.True(t, found, "%s: the mailed pass is the last one issued", emp)
	}
	_, enabled := user("P6")
	require.False(t, enabled, "the leaver who never registered is disabled too")
	faultRow(t, "PostgreSQL, SIGKILL 1 of 2", len(users)+2, issuedTotal, 0, 0)

	sources := map[string][]byte{"worker-1 output": workers[0].out.Bytes(), "receiver output": receiver.out.Bytes(),
		"worker-2 metrics": metricsText(t, "http://"+workerHTTP[1])}
	for emp := range users {
		sources["history "+emp] = clientHistoryJSON(t, c, "employee/"+emp)
	}
	workers[1].kill()
	sources["worker-2 output"] = workers[1].out.Bytes()
	requireNoPasses(t, passes, sources)
}
