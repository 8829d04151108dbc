package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
)

type passCounter struct{ issued, revoked []string }

func (p *passCounter) PassIssued(journey string) { p.issued = append(p.issued, journey) }
func (p *passCounter) PassRevoked(reason string) { p.revoked = append(p.revoked, reason) }

func TestPassesAreCountedOnceOnSuccess(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	counts := &passCounter{}
	f.j.Metrics = counts

	// A delivery that fails: the pass is revoked as undelivered, and no pass counts as issued.
	f.control(t, "POST", "/faults", `{"method":"POST","path":"/sendMail$","status":503,"count":1}`, nil)
	req := IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID,
		Reason: "joiner"}
	_, err := f.j.IssueAndDeliver(ctx, req)
	require.Error(t, err)
	require.Empty(t, counts.issued)
	require.Equal(t, []string{"undelivered"}, counts.revoked)

	res, err := f.j.IssueAndDeliver(ctx, req) // the retry
	require.NoError(t, err)
	require.Equal(t, []string{"joiner"}, counts.issued)

	rr := RevokeRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, MethodID: res.MethodID, Reason: "registered"}
	require.NoError(t, f.j.RevokeTAP(ctx, rr))
	require.NoError(t, f.j.RevokeTAP(ctx, rr), "a retry finds the pass gone")
	require.Equal(t, []string{"undelivered", "registered"}, counts.revoked, "a pass already gone is not counted again")

	_, err = f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, Reason: "recovery"})
	require.NoError(t, err)
	out, err := f.j.Depart(ctx, DepartRequest{EmployeeID: "E1001", User: graphemu.DemoAdaLovelaceID, Reason: "departed"})
	require.NoError(t, err)
	require.Equal(t, 1, out.PassesRevoked)
	require.Equal(t, []string{"joiner", "recovery"}, counts.issued)
	require.Equal(t, []string{"undelivered", "registered", "departed"}, counts.revoked)
}
