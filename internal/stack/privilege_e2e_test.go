package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// putJSON sends a PUT to the emulator's control API.
func putJSON(t *testing.T, url, body string) {
	t.Helper()
	resp, _ := testkit.Do(t, http.DefaultClient, http.MethodPut, url, nil, body)
	require.Less(t, resp.StatusCode, 300, url)
}

// hireAndWait hires the employee on the stack, starting now, and waits until the journey reaches a stage in want.
func hireAndWait(t *testing.T, s *Stack, event, employee, user string, want ...workflows.Stage) workflows.Journey {
	t.Helper()
	res, err := intake.Submit(context.Background(), s.Client(), hireStartingNow(event, employee, user))
	require.NoError(t, err)
	require.Equal(t, workflows.EventAccepted, res.Status, res.Reason)
	var j workflows.Journey
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, res.WorkflowID)
		if st.Journey == nil {
			return false
		}
		j = *st.Journey
		for _, w := range want {
			if j.Stage == w {
				return true
			}
		}
		return false
	}, time.Minute, 100*time.Millisecond)
	return j
}

// issuedPasses reads what the emulator issued for a user: the judge of every attack.
func issuedPasses(t *testing.T, s *Stack, userID string) []string {
	t.Helper()
	var u emuUser
	getJSON(t, s.EmulatorURL()+"/_emulator/users/"+userID, &u)
	return u.IssuedPasses
}

// addEmuUser adds a user bound to employee through the control API and returns its id.
func addEmuUser(t *testing.T, s *Stack, employee, extra string) string {
	t.Helper()
	var u struct{ ID string }
	postJSON(t, s.EmulatorURL()+"/_emulator/users", fmt.Sprintf(`{"userPrincipalName":"%s@contoso.example",`+
		`"displayName":"%s","employeeId":"%s","mail":"%s@contoso.example"%s}`, employee, employee, employee, employee, extra), &u)
	return u.ID
}

// TestAPrivilegedOrUnreadableAccountIsHeldForApproval plays the privilege attacks: a hire for a user who is only
// PIM-eligible for Global Administrator (who could activate it with the pass as their MFA), for a user holding a
// role through a role-assignable group, and for anyone while the app may not read role eligibility. Each journey
// waits for approval with its reason code, no pass is issued, and the hold is audited.
func TestAPrivilegedOrUnreadableAccountIsHeldForApproval(t *testing.T) {
	var audit, logs testkit.Buffer
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) { c.AuditLog = &audit })
	emu := s.EmulatorURL() + "/_emulator"

	eligible := hireAndWait(t, s, "pim-hire", "E1006", graphemu.DemoBarbaraLiskovID, workflows.StageAwaitingApproval, workflows.StageDone)
	require.Equal(t, workflows.StageAwaitingApproval, eligible.Stage, eligible.Reason)
	require.Equal(t, activities.HoldPrivileged, eligible.HeldFor)
	require.Contains(t, eligible.Roles, "Global Administrator (eligible)")

	viaGroup := addEmuUser(t, s, "E7001", fmt.Sprintf(`,"managerId":%q`, graphemu.DemoGraceHopperID))
	postJSON(t, emu+"/groups", `{"displayName":"Tier 0","isAssignableToRole":true,"roles":["Privileged Authentication Administrator"],`+
		`"members":["`+viaGroup+`"]}`, nil)
	group := hireAndWait(t, s, "group-hire", "E7001", viaGroup, workflows.StageAwaitingApproval, workflows.StageDone)
	require.Equal(t, workflows.StageAwaitingApproval, group.Stage, group.Reason)
	require.Contains(t, group.Roles, "Privileged Authentication Administrator")

	var perms struct {
		Granted []string `json:"granted"`
	}
	getJSON(t, emu+"/permissions", &perms)
	var kept []string
	for _, p := range perms.Granted {
		if !strings.Contains(p, "Role") {
			kept = append(kept, p)
		}
	}
	body, err := json.Marshal(map[string]any{"granted": kept})
	require.NoError(t, err)
	putJSON(t, emu+"/permissions", string(body))
	unknown := hireAndWait(t, s, "unreadable-hire", "E1001", graphemu.DemoAdaLovelaceID, workflows.StageAwaitingApproval, workflows.StageDone)
	require.Equal(t, workflows.StageAwaitingApproval, unknown.Stage, unknown.Reason)
	require.Equal(t, activities.HoldPrivilegeUnknown, unknown.HeldFor)

	time.Sleep(time.Second) // a pass, had one been let through, would be issued by now
	for _, id := range []string{graphemu.DemoBarbaraLiskovID, viaGroup, graphemu.DemoAdaLovelaceID} {
		require.Empty(t, issuedPasses(t, s, id), "no pass for %s", id)
	}
	require.Contains(t, audit.String(), `"action":"privilege.unknown"`)
	require.Contains(t, logs.String(), `"action":"journey.held"`)
	require.Contains(t, logs.String(), `"reason":"privilege_unknown"`)
}

// TestAPassIsNeverMailedOutsideTheOrganisation plays the recipient attacks: a joiner whose manager is an
// orgContact (a mail address outside the directory) or a guest, or whose manager's mailbox is on a domain the
// tenant has not verified. With no fallback recipient each journey ends no_delivery_target, no pass is issued
// and nothing is mailed; the refused manager is audited with its reason.
func TestAPassIsNeverMailedOutsideTheOrganisation(t *testing.T) {
	var audit testkit.Buffer
	s := journeyStack(t, slog.New(slog.DiscardHandler), func(c *Config) { c.AuditLog = &audit })
	emu := s.EmulatorURL() + "/_emulator"
	var contact, guest, outside struct{ ID string }
	postJSON(t, emu+"/contacts", `{"displayName":"Vendor boss","mail":"boss@fabrikam.example"}`, &contact)
	postJSON(t, emu+"/users", `{"userPrincipalName":"g_fabrikam.example#EXT#@contoso.example","mail":"g@contoso.example","userType":"Guest"}`, &guest)
	postJSON(t, emu+"/users", `{"userPrincipalName":"fwd@contoso.example","mail":"fwd@mail.example"}`, &outside)
	for i, c := range []struct{ manager, reason string }{
		{contact.ID, activities.RecipientContact},
		{guest.ID, activities.RecipientGuest},
		{outside.ID, activities.RecipientDomainOutside},
	} {
		employee := fmt.Sprintf("E710%d", i)
		user := addEmuUser(t, s, employee, fmt.Sprintf(`,"managerId":%q`, c.manager))
		j := hireAndWait(t, s, "outside-"+employee, employee, user, workflows.StageDone)
		require.Equal(t, workflows.Outcome(activities.RefusedNoDeliveryTarget), j.Outcome, j.Reason)
		require.Empty(t, issuedPasses(t, s, user))
		require.Contains(t, audit.String(), `"reason":"`+c.reason+`"`)
	}
	var mail []emuMail
	getJSON(t, emu+"/mail", &mail)
	require.Empty(t, mail, "nothing was mailed")
}
