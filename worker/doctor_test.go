package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/doctor"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/watch"
)

func put(t *testing.T, url, body string) {
	t.Helper()
	resp, _ := testkit.Do(t, http.DefaultClient, http.MethodPut, url, nil, body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "PUT %s", url)
}

// TestDoctorOnTheDevStack: all green against a running dev stack; with the TAP policy disabled and a
// permission taken away in the emulator, the checklist names both and says how to fix them.
func TestDoctorOnTheDevStack(t *testing.T) {
	s, err := stack.Start(context.Background(), stack.Config{
		Temporal: temporalclient.Config{Namespace: "default"}, DevTemporalAddress: "127.0.0.1:0",
		EmulatorAddress: "127.0.0.1:0", HTTPAddress: "127.0.0.1:0", InMemory: true,
		Journey: stack.JourneyConfig{Settings: activities.JoinerSettings{Channel: activities.ChannelManagerMail,
			Watch: activities.DefaultWatchSettings()}},
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop()
	require.Eventually(t, func() bool {
		st, ok := watch.Ask(context.Background(), s.Client())
		return ok && st.Fresh(time.Now())
	}, time.Minute, 100*time.Millisecond, "the workers started the tenant watch, which read the logs")
	args := []string{"doctor", "--delivery", "manager-mail", "--dev-temporal-address", s.TemporalAddress(),
		"--emulator-address", strings.TrimPrefix(s.EmulatorURL(), "http://")}

	code, out, stderr := runWorker(t, args, nil)
	require.Equal(t, 0, code, "%s\n%s", out, stderr)
	require.Contains(t, out, "[ok]   Temporal reachable at "+s.TemporalAddress())
	require.Contains(t, out, "[ok]   search attributes")
	require.Contains(t, out, "[ok]   permission to check registered methods")
	require.Contains(t, out, "[ok]   tenant watch: reading the audit and sign-in logs every 1m0s")
	require.Contains(t, out, "[ok]   permission to watch registrations and passes (audit log)")
	require.Contains(t, out, "[ok]   Temporary Access Pass policy: enabled")
	require.Contains(t, out, "[ok]   sender mailbox")
	require.Contains(t, out, "[info] permission to issue a TAP, revoke a TAP: not checkable with a static token")
	require.Contains(t, out, "[ok]   issuance guard: running: 0 of 50 passes in the last hour")
	require.Contains(t, out, "[ok]   privilege check: active and eligible roles")
	require.Contains(t, out, "[ok]   recipient domains: passes are mailed only to the tenant's 1 verified domains")
	require.Regexp(t, `all \d+ checks passed`, out)

	code, out, _ = runWorker(t, append(args, "--json"), nil)
	require.Equal(t, 0, code)
	var rep doctor.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.True(t, rep.Green())

	emu := s.EmulatorURL() + "/_emulator"
	put(t, emu+"/policy", `{"id":"TemporaryAccessPass","state":"disabled","defaultLength":8,"defaultLifetimeInMinutes":60,`+
		`"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":1440,"isUsableOnce":false,`+
		`"includeTargets":[{"targetType":"group","id":"all_users"}],"excludeTargets":[]}`)
	trustReads := `"RoleManagement.Read.Directory","Domain.Read.All","AuditLog.Read.All","Directory.Read.All",`
	put(t, emu+"/permissions", `{"granted":[`+trustReads+`"User.Read.All","Policy.Read.AuthenticationMethod","UserAuthMethod-TAP.ReadWrite.All","Mail.Send"]}`)
	code, out, stderr = runWorker(t, args, nil)
	require.Equal(t, 1, code, out)
	require.Contains(t, stderr, "the doctor found problems")
	require.Contains(t, out, "[FAIL] permission to check registered methods: Graph answered 403 Authorization_RequestDenied")
	require.Contains(t, out, "fix: grant the application permission UserAuthenticationMethod.Read.All")
	require.Contains(t, out, "[ok]   permission to list TAPs, read a TAP", "the TAP write permission also reads")
	require.Contains(t, out, "[FAIL] Temporary Access Pass policy: the method is disabled")
	require.Contains(t, out, "fix: enable it: Entra admin center")
	require.Contains(t, out, "2 failed")

	put(t, emu+"/permissions", `{"granted":[`+trustReads+`"User.Read.All","Policy.Read.AuthenticationMethod","UserAuthMethod-TAP.ReadWrite.All",`+
		`"UserAuthenticationMethod.Read.All","Mail.Send"]}`)
	put(t, emu+"/policy", `{"id":"TemporaryAccessPass","state":"enabled","defaultLength":8,"defaultLifetimeInMinutes":60,`+
		`"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":1440,"isUsableOnce":false,`+
		`"includeTargets":[{"targetType":"group","id":"all_users"}],"excludeTargets":[]}`)
	code, out, _ = runWorker(t, args, nil)
	require.Equal(t, 1, code, "a warning is not green")
	require.Contains(t, out, "[warn] TAP maximum lifetime: 1440 min")
	require.Contains(t, out, "fix: set the policy's maximum lifetime to 8 hours (480 min) or less")
	require.Contains(t, out, "0 failed, 1 warnings")

	// Without the role reads every journey would wait for approval (privilege_unknown): doctor names the
	// permission; without the verified domains no manager would receive a pass.
	put(t, emu+"/permissions", `{"granted":["User.Read.All","Policy.Read.AuthenticationMethod","UserAuthMethod-TAP.ReadWrite.All",`+
		`"UserAuthenticationMethod.Read.All","Mail.Send"]}`)
	_, out, _ = runWorker(t, args, nil)
	require.Contains(t, out, "[FAIL] permission to refuse users eligible for a role (PIM): Graph answered 403")
	require.Contains(t, out, "fix: grant the application permission RoleEligibilitySchedule.Read.Directory")
	require.Contains(t, out, "[warn] privilege check: cannot read role assignments and eligibilities")
	require.Contains(t, out, "privilege_unknown")
	require.Contains(t, out, "[FAIL] recipient domains: cannot read the tenant's verified domains")
}

func TestDoctorWithoutTemporal(t *testing.T) {
	code, out, _ := runWorker(t, []string{"doctor", "--dev-temporal-address", "127.0.0.1:1", "--emulator-address", "127.0.0.1:1"}, nil)
	require.Equal(t, 1, code)
	require.Contains(t, out, "[FAIL] Temporal reachable at 127.0.0.1:1")
	require.Contains(t, out, "fix: start the dev stack (go run ./worker) or set TEMPORAL_ADDRESS")
	require.Contains(t, out, "[FAIL] permission to read the tenant TAP policy")
}

func TestDoctorChecklistFormat(t *testing.T) {
	var buf bytes.Buffer
	doctor.Report{Checks: []doctor.Check{{Name: "x", Status: doctor.Warn, Fix: "do y"}}}.Write(&buf)
	require.Contains(t, buf.String(), "[warn] x\n       fix: do y")
	require.Contains(t, buf.String(), "0 failed, 1 warnings, 0 passed")
}
