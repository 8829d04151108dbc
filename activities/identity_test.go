package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
)

// Identity binding: the account's employeeId must equal the HR employee id, whether HR named the account by its
// userPrincipalName or its object id. A mismatch or an empty attribute is a refusal, audited without the
// attribute's value; nothing is read beyond the user.
func TestPreflightBindsTheAccountToTheEmployee(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name, user, employee string
		want                 Refusal
	}{
		{"bound, by UPN", "ada.lovelace@contoso.example", "E1001", ""},
		{"bound, by object id", graphemu.DemoAdaLovelaceID, "E1001", ""},
		{"another employee's account, by UPN", "alan.turing@contoso.example", "E6666", RefusedIdentityMismatch},
		{"another employee's account, by object id", graphemu.DemoAlanTuringID, "E1001", RefusedIdentityMismatch},
		{"an account without employeeId", "helpdesk@contoso.example", "E6666", RefusedIdentityUnbound},
		{"the id differs only in case", "ada.lovelace@contoso.example", "e1001", RefusedIdentityMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			pre, err := f.j.Preflight(ctx, PreflightRequest{User: c.user, EmployeeID: c.employee})
			require.NoError(t, err)
			require.Equal(t, c.want, pre.Refusal)
			if c.want == "" {
				return
			}
			require.NotEmpty(t, pre.Message)
			require.Nil(t, pre.Recipient, "nothing about the account travels on")
			require.Len(t, f.audit.entries, 1)
			e := f.audit.entries[0]
			require.Equal(t, "tap.refused", e.Action)
			require.Equal(t, string(c.want), e.Reason)
			require.Equal(t, c.employee, e.EmployeeID)
		})
	}
	f := newFixture(t)
	f.j.Settings.IdentityBinding = BindOff
	pre, err := f.j.Preflight(ctx, PreflightRequest{User: "alan.turing@contoso.example", EmployeeID: "E6666"})
	require.NoError(t, err)
	require.Empty(t, pre.Refusal, "binding turned off")
}

// A termination naming another employee's account revokes nothing and leaves the account enabled; a rehire's
// re-enable of another employee's account does nothing.
func TestDepartAndEnableActOnlyOnTheBoundAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.j.Depart(ctx, DepartRequest{EmployeeID: "E6666", User: "grace.hopper@contoso.example", Disable: true, Reason: "departed"})
	require.NoError(t, err)
	require.Equal(t, RefusedIdentityMismatch, out.Refusal)
	require.False(t, out.Disabled)
	require.False(t, out.SessionsRevoked)
	var grace struct {
		AccountEnabled    bool    `json:"accountEnabled"`
		SessionsRevokedAt *string `json:"sessionsRevokedAt"`
	}
	f.control(t, "GET", "/users/"+graphemu.DemoGraceHopperID, "", &grace)
	require.True(t, grace.AccountEnabled)
	require.Nil(t, grace.SessionsRevokedAt)
	require.Equal(t, "departure.refused", f.audit.entries[0].Action)

	require.NoError(t, f.j.Graph.SetAccountEnabled(ctx, graphemu.DemoGraceHopperID, false)) // Grace left
	require.NoError(t, f.j.EnableAccount(ctx, EnableRequest{EmployeeID: "E6666", User: "grace.hopper@contoso.example", Reason: "rehire"}))
	f.control(t, "GET", "/users/"+graphemu.DemoGraceHopperID, "", &grace)
	require.False(t, grace.AccountEnabled, "not re-enabled for another employee")
	require.NoError(t, f.j.EnableAccount(ctx, EnableRequest{EmployeeID: "E0101", User: "grace.hopper@contoso.example", Reason: "rehire"}))
	f.control(t, "GET", "/users/"+graphemu.DemoGraceHopperID, "", &grace)
	require.True(t, grace.AccountEnabled, "re-enabled for Grace's own rehire")
}
