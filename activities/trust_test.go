package activities

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/issuance"
)

// addUser adds a user through the emulator's control API and returns its object id.
func (f *fixture) addUser(t *testing.T, body map[string]any) string {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	var u struct {
		ID string `json:"id"`
	}
	f.control(t, "POST", "/users", string(b), &u)
	return u.ID
}

// Privilege, fail-closed: an eligible role (PIM), a role held through a role-assignable group, a role scoped to
// an administrative unit and a listed privileged group each hold the user for approval; a user with none of
// these is not held.
func TestPreflightFindsEveryKindOfPrivilege(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	group := func(body string) string {
		var g struct {
			ID string `json:"id"`
		}
		f.control(t, "POST", "/groups", body, &g)
		return g.ID
	}
	plain := func(id string) map[string]any {
		return map[string]any{"userPrincipalName": id + "@contoso.example", "employeeId": id, "managerId": graphemu.DemoGraceHopperID}
	}
	eligible := plain("E2001")
	eligible["eligibleRoles"] = []string{"Privileged Role Administrator"}
	eligibleID := f.addUser(t, eligible)
	viaGroupID := f.addUser(t, plain("E2002"))
	group(`{"displayName":"Tier 0 admins","isAssignableToRole":true,"roles":["Global Administrator"],"members":["` + viaGroupID + `"]}`)
	eligibleViaGroupID := f.addUser(t, plain("E2003"))
	group(`{"displayName":"PIM helpdesk","isAssignableToRole":true,"eligibleRoles":["Helpdesk Administrator"],"members":["` + eligibleViaGroupID + `"]}`)
	scoped := plain("E2004")
	scoped["scopedRoles"] = []map[string]string{{"role": "User Administrator", "administrativeUnitId": "au-emea"}}
	scopedID := f.addUser(t, scoped)
	listedID := f.addUser(t, plain("E2005"))
	listed := group(`{"displayName":"Break-glass owners","members":["` + listedID + `"]}`)
	f.j.Settings.PrivilegedGroups = []string{listed}
	plainID := f.addUser(t, plain("E2006"))

	for _, c := range []struct {
		name, user, employee, role string
	}{
		{"eligible (PIM)", eligibleID, "E2001", "Privileged Role Administrator (eligible)"},
		{"through a role-assignable group", viaGroupID, "E2002", "Global Administrator"},
		{"eligible through a group", eligibleViaGroupID, "E2003", "Helpdesk Administrator (eligible)"},
		{"scoped to an administrative unit", scopedID, "E2004", "User Administrator (scoped /administrativeUnits/au-emea)"},
		{"a listed privileged group", listedID, "E2005", "group " + listed},
	} {
		t.Run(c.name, func(t *testing.T) {
			pre, err := f.j.Preflight(ctx, PreflightRequest{User: c.user, EmployeeID: c.employee})
			require.NoError(t, err)
			require.Empty(t, pre.Refusal)
			require.True(t, pre.Privileged)
			require.Equal(t, HoldPrivileged, pre.HoldReason)
			require.Contains(t, pre.Roles, c.role)
		})
	}
	pre, err := f.j.Preflight(ctx, PreflightRequest{User: plainID, EmployeeID: "E2006"})
	require.NoError(t, err)
	require.False(t, pre.Privileged, "no role, no listed group: %v", pre.Roles)
	require.Empty(t, pre.HoldReason)
}

// What cannot be read counts as privileged: without the PIM read permissions every user is held, with reason
// privilege_unknown, audited; without the membership read too.
func TestPreflightHoldsWhenPrivilegeCannotBeRead(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		granted string
	}{
		{"no eligibility read", `["User.Read.All","UserAuthenticationMethod.Read.All","Policy.Read.AuthenticationMethod","RoleAssignmentSchedule.Read.Directory","Domain.Read.All"]`},
		{"no role reads at all", `["User.Read.All","UserAuthenticationMethod.Read.All","Policy.Read.AuthenticationMethod","Domain.Read.All"]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.control(t, "PUT", "/permissions", `{"granted":`+c.granted+`}`, nil)
			pre, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001"})
			require.NoError(t, err)
			require.Empty(t, pre.Refusal)
			require.True(t, pre.Privileged)
			require.Equal(t, HoldPrivilegeUnknown, pre.HoldReason)
			require.Equal(t, "privilege.unknown", f.audit.entries[0].Action)
			require.Equal(t, HoldPrivilegeUnknown, f.audit.entries[0].Reason)
		})
	}
}

// Recipients inside the organisation: a guest, an orgContact, a disabled manager, the employee themself and a
// mailbox on a domain the tenant has not verified never receive a pass; each is audited, and the fallback
// recipient (if any) gets the pass instead. A verified subdomain, or an allowlisted domain, is accepted.
func TestPassesGoOnlyToRecipientsInsideTheOrganisation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var contact struct {
		ID string `json:"id"`
	}
	f.control(t, "POST", "/contacts", `{"displayName":"Outside Manager","mail":"boss@fabrikam.example"}`, &contact)
	joiner := func(id, manager string) string {
		return f.addUser(t, map[string]any{"userPrincipalName": id + "@contoso.example", "employeeId": id,
			"mail": id + "@contoso.example", "managerId": manager})
	}
	guest := f.addUser(t, map[string]any{"userPrincipalName": "guest_fabrikam.example#EXT#@contoso.example",
		"mail": "guest@contoso.example", "userType": "Guest"})
	disabled := f.addUser(t, map[string]any{"userPrincipalName": "gone@contoso.example", "mail": "gone@contoso.example", "accountEnabled": false})
	outside := f.addUser(t, map[string]any{"userPrincipalName": "fwd@contoso.example", "mail": "fwd@gmail.example"})
	sub := f.addUser(t, map[string]any{"userPrincipalName": "eu@contoso.example", "mail": "boss@eu.contoso.example"})
	twin := f.addUser(t, map[string]any{"userPrincipalName": "E3006-admin@contoso.example", "mail": "E3006@contoso.example"})
	cases := []struct {
		name, user, employee, why string
	}{
		{"an orgContact", joiner("E3001", contact.ID), "E3001", RecipientContact},
		{"a guest", joiner("E3002", guest), "E3002", RecipientGuest},
		{"a disabled manager", joiner("E3003", disabled), "E3003", RecipientDisabled},
		{"a mailbox outside the verified domains", joiner("E3004", outside), "E3004", RecipientDomainOutside},
		{"a subdomain the tenant has not verified", joiner("E3005", sub), "E3005", RecipientDomainOutside},
		{"the employee themself (their second account)", joiner("E3006", twin), "E3006", RecipientIsEmployee},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.audit.entries = nil
			pre, err := f.j.Preflight(ctx, PreflightRequest{User: c.user, EmployeeID: c.employee})
			require.NoError(t, err)
			require.Empty(t, pre.Recipient.ManagerMail)
			if c.why != "" {
				require.Equal(t, "recipient.refused", f.audit.entries[len(f.audit.entries)-1].Action)
				require.Equal(t, c.why, f.audit.entries[len(f.audit.entries)-1].Reason)
			}
			res, err := f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: c.employee, UserID: pre.UserID, Reason: "joiner"})
			require.NoError(t, err)
			require.Equal(t, RefusedNoDeliveryTarget, res.Refusal, "no fallback recipient: refused")
		})
	}
	var u struct {
		IssuedPasses []string `json:"issuedPasses"`
	}
	f.control(t, "GET", "/users/"+cases[0].user, "", &u)
	require.Empty(t, u.IssuedPasses)

	t.Run("a verified subdomain, and an allowlist", func(t *testing.T) {
		f.control(t, "PUT", "/domains", `{"domains":[{"id":"contoso.example","isVerified":true},{"id":"eu.contoso.example","isVerified":true}]}`, nil)
		f.j.Domains = nil // read afresh
		pre, err := f.j.Preflight(ctx, PreflightRequest{User: cases[4].user, EmployeeID: "E3005"})
		require.NoError(t, err)
		require.Equal(t, "boss@eu.contoso.example", pre.Recipient.ManagerMail)
		f.j.Settings.RecipientDomains = []string{"gmail.example"}
		pre, err = f.j.Preflight(ctx, PreflightRequest{User: cases[3].user, EmployeeID: "E3004"})
		require.NoError(t, err)
		require.Equal(t, "fwd@gmail.example", pre.Recipient.ManagerMail, "the operator's allowlist replaces the verified domains")
	})
	t.Run("the fallback recipient gets what the manager may not", func(t *testing.T) {
		f.j.Settings.RecipientDomains, f.j.Settings.FallbackRecipient = nil, "helpdesk@contoso.example"
		pre, err := f.j.Preflight(ctx, PreflightRequest{User: cases[1].user, EmployeeID: "E3002"})
		require.NoError(t, err)
		res, err := f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: "E3002", UserID: pre.UserID, Reason: "joiner", Recipient: pre.Recipient})
		require.NoError(t, err)
		require.Empty(t, res.Refusal)
		var mail []struct {
			To []string `json:"to"`
		}
		f.control(t, "GET", "/mail", "", &mail)
		require.Equal(t, []string{"helpdesk@contoso.example"}, mail[len(mail)-1].To)
	})
}

// Binding on an onPremisesExtensionAttributes slot: the slot, not employeeId, must hold the HR employee id.
func TestBindingOnAnExtensionAttribute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.j.Settings.IdentityBinding = "extensionAttribute7"
	id := f.addUser(t, map[string]any{"userPrincipalName": "x@contoso.example", "employeeId": "E4001",
		"onPremisesExtensionAttributes": map[string]string{"extensionAttribute7": "HR-4001"}})
	pre, err := f.j.Preflight(ctx, PreflightRequest{User: id, EmployeeID: "HR-4001"})
	require.NoError(t, err)
	require.Empty(t, pre.Refusal)
	pre, err = f.j.Preflight(ctx, PreflightRequest{User: id, EmployeeID: "E4001"})
	require.NoError(t, err)
	require.Equal(t, RefusedIdentityMismatch, pre.Refusal, "employeeId does not count when the slot is the binding")
	pre, err = f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Equal(t, RefusedIdentityUnbound, pre.Refusal)
	require.Contains(t, pre.Message, "extensionAttribute7")
}

// fakeGuard answers every reservation with one verdict and remembers the requests.
type fakeGuard struct {
	verdict issuance.Verdict
	asked   []issuance.Request
}

func (g *fakeGuard) Reserve(_ context.Context, r issuance.Request) (issuance.Verdict, error) {
	g.asked = append(g.asked, r)
	return g.verdict, nil
}

// The issue asks the guard first: a held pass and a refused recovery create nothing; a recovery is counted as
// one; with both limits off the guard is not asked.
func TestIssueAsksTheIssuanceGuardFirst(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := &fakeGuard{verdict: issuance.Verdict{Reason: issuance.ReasonPaused}}
	f.j.Guard = g
	req := IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, Reason: "joiner"}
	res, err := f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Equal(t, issuance.ReasonPaused, res.Held)
	require.Empty(t, res.MethodID)
	require.Equal(t, issuance.KindPass, g.asked[0].Kind)

	g.verdict = issuance.Verdict{Reason: issuance.ReasonRecoveryLimit}
	req.Reason = "recovery"
	res, err = f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Equal(t, RefusedRecoveryLimitTenant, res.Refusal)
	require.Equal(t, issuance.KindRecovery, g.asked[1].Kind)
	var u struct {
		IssuedPasses []string `json:"issuedPasses"`
	}
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &u)
	require.Empty(t, u.IssuedPasses)

	g.verdict = issuance.Verdict{Reason: "a reason this worker does not know"}
	req.Reason = "joiner"
	res, err = f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Equal(t, issuance.ReasonPaused, res.Held, "an unknown verdict holds, never issues")
	g.verdict = issuance.Verdict{}
	res, err = f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Equal(t, issuance.ReasonPaused, res.Held, "an empty verdict holds, never issues")
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &u)
	require.Empty(t, u.IssuedPasses)

	f.j.Settings.Issuance = issuance.Limits{}
	res, err = f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.NotEmpty(t, res.MethodID)
	require.Len(t, g.asked, 4, "limits off: the guard is not asked")
}

// Mail addresses are trusted only as one plain address: a second @, a display name, a list or a domain outside
// ASCII names no domain; plus addressing reaches the same mailbox.
func TestAManagersMailIsOnePlainAddress(t *testing.T) {
	for _, bad := range []string{"a@evil.example@contoso.example", "Boss <boss@contoso.example>",
		"x@evil.example, y@contoso.example", "boss@contoso.exampl\u212a", "boss@cöntoso.example", ""} {
		require.Empty(t, graph.MailDomain(bad), bad)
	}
	require.Equal(t, "contoso.example", graph.MailDomain("Boss@Contoso.Example"))
	require.True(t, graph.SameMailbox("e3006+hr@contoso.example", "E3006@contoso.example"))
	require.False(t, graph.SameMailbox("e3006@contoso.example", "e3007@contoso.example"))

	ctx := context.Background()
	f := newFixture(t)
	twin := f.addUser(t, map[string]any{"userPrincipalName": "E3100-x@contoso.example", "mail": "E3100+boss@contoso.example"})
	typeless := f.addUser(t, map[string]any{"userPrincipalName": "odd@contoso.example", "mail": "odd@contoso.example"})
	for _, c := range []struct{ employee, manager, why string }{
		{"E3100", twin, RecipientIsEmployee},
	} {
		id := f.addUser(t, map[string]any{"userPrincipalName": c.employee + "@contoso.example", "employeeId": c.employee,
			"mail": c.employee + "@contoso.example", "managerId": c.manager})
		pre, err := f.j.Preflight(ctx, PreflightRequest{User: id, EmployeeID: c.employee})
		require.NoError(t, err)
		require.Empty(t, pre.Recipient.ManagerMail)
		require.Equal(t, c.why, f.audit.entries[len(f.audit.entries)-1].Reason)
	}
	mail, why, err := f.j.managerRecipient(ctx, graph.User{ID: "u"}, &graph.User{ID: typeless, Mail: "odd@contoso.example", AccountEnabled: true})
	require.NoError(t, err)
	require.Empty(t, mail)
	require.Equal(t, RecipientTypeUnknown, why, "no userType: not trusted as a member")
}
