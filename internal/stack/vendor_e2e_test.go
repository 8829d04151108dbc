package stack

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hooks"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/vendoremu"
	"github.com/tapflow/tapflow/workflows"
)

// vendorMapping maps the emulators' records: the Entra employeeId is a field of its own, the UPN is the work
// address, and a first morning begins at midnight UTC (a hire dated today starts at once).
const vendorMapping = `
bamboohr:
  employee_id: employeeNumber
  user: workEmail
  default_time_zone: UTC
  default_start_time: "00:00"
hibob:
  employee_id: work.employeeIdInCompany
  user: root.email
  default_time_zone: UTC
  default_start_time: "00:00"
`

// vendorSource is one vendor under test: its emulator, the hook it delivers to and its field names.
type vendorSource struct {
	name, secret, hook string
	emu                *httptest.Server
	idField, upnField  string
	startField         string
	statusField        string
}

// vendorStack starts both vendor emulators and a stack whose webhook listener serves their hooks.
func vendorStack(t *testing.T, auditLog, logs *testkit.Buffer) (*Stack, []vendorSource) {
	t.Helper()
	bamboo := vendoremu.NewBambooHR(vendoremu.BambooHROptions{CompanyDomain: "contoso", APIKey: "bamboo-api-key"})
	bob := vendoremu.NewHiBob(vendoremu.HiBobOptions{ServiceUserID: "SERVICE-USER-1", Token: "bob-token"})
	bambooSrv, bobSrv := httptest.NewServer(bamboo), httptest.NewServer(bob)
	t.Cleanup(func() { bamboo.Close(); bob.Close(); bambooSrv.Close(); bobSrv.Close() })
	mapping := filepath.Join(t.TempDir(), "mapping.yaml")
	require.NoError(t, os.WriteFile(mapping, []byte(vendorMapping), 0o600))
	s := journeyStack(t, slog.New(slog.NewJSONHandler(logs, nil)), func(c *Config) {
		c.WebhookAddress, c.AuditLog = "127.0.0.1:0", auditLog
		c.Vendors = hooks.Config{Mapping: mapping,
			BambooHR: hooks.BambooHRConfig{WebhookSecret: "bamboo-webhook-key", APIKey: "bamboo-api-key", CompanyDomain: "contoso",
				APIURL: bambooSrv.URL + "/api/gateway.php"},
			HiBob: hooks.HiBobConfig{WebhookSecret: "bob-webhook-secret", ServiceUserID: "SERVICE-USER-1", Token: "bob-token", APIURL: bobSrv.URL}}
	})
	base := strings.TrimSuffix(s.WebhookURL(), "/v1/events")
	return s, []vendorSource{
		{name: "bamboohr", secret: "bamboo-webhook-key", hook: base + "/v1/hooks/bamboohr", emu: bambooSrv,
			idField: "employeeNumber", upnField: "workEmail", startField: "hireDate", statusField: "status"},
		{name: "hibob", secret: "bob-webhook-secret", hook: base + "/v1/hooks/hibob", emu: bobSrv,
			idField: "work.employeeIdInCompany", upnField: "root.email", startField: "work.startDate", statusField: "internal.lifecycleStatus"},
	}
}

// deliverTo points the vendor's webhook at url, each delivery sent repeat times.
func (v vendorSource) deliverTo(t *testing.T, url string, repeat int) {
	putJSON(t, v.emu.URL+"/_emulator/webhook", fmt.Sprintf(`{"url":%q,"secret":%q,"repeat":%d,"retry_delays_ms":[200,400]}`,
		url, v.secret, repeat))
}

// employee creates an employee in the vendor and returns the vendor's id.
func (v vendorSource) employee(t *testing.T, entraID, upn, start string) string {
	var out struct{ ID string }
	postJSON(t, v.emu.URL+"/_emulator/employees", fmt.Sprintf(`{"fields":{%q:%q,%q:%q,%q:%q}}`,
		v.idField, entraID, v.upnField, upn, v.startField, start), &out)
	require.NotEmpty(t, out.ID)
	return out.ID
}

func (v vendorSource) patch(t *testing.T, id, kind, field, value string) {
	resp, _ := testkit.Do(t, http.DefaultClient, http.MethodPatch, v.emu.URL+"/_emulator/employees/"+id, nil,
		fmt.Sprintf(`{"kind":%q,"fields":{%q:%q}}`, kind, field, value))
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestEachHRVendorRunsAJoinerThroughItsWebhook plays each vendor adapter against its emulator over HTTP: a new
// hire starting tomorrow schedules the joiner (each delivery sent three times: one effect); moved to today, the
// pass is issued and delivered; a termination revokes it. Forged and stale deliveries for another hire are
// refused with 401, audited, and start nothing.
func TestEachHRVendorRunsAJoinerThroughItsWebhook(t *testing.T) {
	var auditLog, logs testkit.Buffer
	s, vendors := vendorStack(t, &auditLog, &logs)
	hires := []struct{ employee, entra string }{{"E1001", graphemu.DemoAdaLovelaceID}, {"E1002", graphemu.DemoKatherineID}}
	attacked := []string{"E1003", "E1006"}
	today, tomorrow := time.Now().UTC().Format("2006-01-02"), time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	for i, v := range vendors {
		hire := hires[i]
		t.Run(v.name, func(t *testing.T) {
			v.deliverTo(t, v.hook, 3)
			upn := map[string]string{"E1001": "ada.lovelace@contoso.example", "E1002": "katherine.johnson@contoso.example"}[hire.employee]
			id := v.employee(t, hire.employee, upn, tomorrow)
			j := waitJourney(t, s, hire.employee, "the new hire schedules the joiner", func(j workflows.Journey) bool {
				return j.Stage == workflows.StageWaitingForStart
			})
			require.Equal(t, tomorrow, j.StartDate)

			v.patch(t, id, "updated", v.startField, today)
			waitJourney(t, s, hire.employee, "the start date moved to today issues the pass", func(j workflows.Journey) bool {
				return j.Stage == workflows.StageAwaitingRegistration
			})
			require.Len(t, issuedPasses(t, s, hire.entra), 1, "three deliveries of each change, one pass")

			v.patch(t, id, "terminated", v.statusField, map[string]string{"bamboohr": "Inactive", "hibob": "terminated"}[v.name])
			j = waitJourney(t, s, hire.employee, "the termination revokes the pass", func(j workflows.Journey) bool {
				return j.Stage == workflows.StageDone
			})
			require.Equal(t, workflows.OutcomeDeparted, j.Outcome, j.Reason)
			accepted := 0
			for _, e := range journeyStatus(t, s, workflows.EmployeeWorkflowID(hire.employee)).Events {
				if e.Type == hrevent.Hire && e.Status == hrevent.StatusAccepted {
					accepted++
				}
			}
			require.Equal(t, 2, accepted, "each date's hire is accepted once (three deliveries each); the move is a hire for a new date")
			requireDeliveriesAnswered(t, v)

			// The attacks: the real delivery of a new hire goes nowhere; forged and stale copies reach the hook.
			v.deliverTo(t, "http://127.0.0.1:1/", 1)
			victim := v.employee(t, attacked[i], attacked[i]+"@contoso.example", today)
			v.deliverTo(t, v.hook, 1)
			for _, forge := range []string{"bad_signature", "stale"} {
				var sent struct{ Status int }
				postJSON(t, v.emu.URL+"/_emulator/send", fmt.Sprintf(`{"employee_id":%q,"kind":"created","forge":%q}`, victim, forge), &sent)
				require.Equal(t, http.StatusUnauthorized, sent.Status, forge)
			}
			_, err := s.Client().DescribeWorkflowExecution(t.Context(), workflows.EmployeeWorkflowID(attacked[i]), "")
			require.Error(t, err, "nothing started for the forged deliveries")
			require.Contains(t, auditLog.String(), `"reason":"`+v.name+`: invalid_signature"`)
			require.Contains(t, auditLog.String(), `"reason":"`+v.name+`: stale_signature"`)
		})
	}
	require.Empty(t, issuedPasses(t, s, graphemu.DemoDorothyVaughanID))
	require.Empty(t, issuedPasses(t, s, graphemu.DemoBarbaraLiskovID))

	// No vendor secret or credential, and none of the records' personal data, in a log line, the audit log or
	// a metric; the passes issued appear nowhere either.
	metrics := string(metricsText(t, s.HTTPURL()))
	require.Contains(t, logs.String(), `"msg":"hr source delivery"`, "the deliveries are logged, so the scan reads them")
	for _, secret := range []string{"bamboo-webhook-key", "bob-webhook-secret", "bamboo-api-key", "bob-token",
		"ada.lovelace@contoso.example", "katherine.johnson@contoso.example", "E1003@contoso.example"} {
		for name, text := range map[string]string{"log": logs.String(), "audit log": auditLog.String(), "metrics": metrics} {
			require.NotContains(t, text, secret, "the %s", name)
		}
	}
	require.Contains(t, metrics, `tapflow_source_deliveries_total{result="bad_signature",source="bamboohr"}`)
	requireNoPasses(t, append(issuedPasses(t, s, graphemu.DemoAdaLovelaceID), issuedPasses(t, s, graphemu.DemoKatherineID)...),
		map[string][]byte{"log": logs.Bytes(), "audit log": auditLog.Bytes(), "metrics": []byte(metrics)})
}

// requireDeliveriesAnswered checks the vendor saw every delivery answered 2xx (the first 202, repeats 200 or
// 202), none refused.
func requireDeliveriesAnswered(t *testing.T, v vendorSource) {
	t.Helper()
	var ds []vendoremu.Delivery
	getJSON(t, v.emu.URL+"/_emulator/deliveries", &ds)
	require.GreaterOrEqual(t, len(ds), 9, "three changes, three times each")
	for _, d := range ds {
		require.True(t, d.Status == http.StatusAccepted || d.Status == http.StatusOK, "delivery %s answered %d", d.DeliveryID, d.Status)
	}
}
