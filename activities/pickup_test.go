package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/pickup"
)

// The invitation mails the manager a signed link and the hire their code; only hashes come back. A personal
// address that is the invitation's own recipient is refused: the link and its code would travel together.
func TestAnInvitationSplitsTheLinkAndTheCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.j.Settings.PublicURL, f.j.Settings.PickupKey = "https://tapflow.contoso.example", pickup.NewKey()
	req := InviteRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, Expires: time.Now().Add(time.Hour),
		PersonalEmail: "ada@example.com"}
	res, err := f.j.Invite(ctx, req)
	require.NoError(t, err)
	require.Empty(t, res.Refusal)
	require.Len(t, res.Hash, 64)
	require.NotEmpty(t, res.CodeHash)
	var mail []struct {
		To   []string `json:"to"`
		Body string   `json:"body"`
	}
	f.control(t, "GET", "/mail", "", &mail)
	require.Len(t, mail, 2)
	require.Equal(t, []string{"grace.hopper@contoso.example"}, mail[0].To)
	i := strings.Index(mail[0].Body, "https://tapflow.contoso.example/p/")
	require.GreaterOrEqual(t, i, 0)
	token := strings.FieldsFunc(mail[0].Body[i+len("https://tapflow.contoso.example/p/"):], func(r rune) bool { return r == '"' || r == '<' })[0]
	employee, ok := f.j.Settings.PickupKey.EmployeeOf(token)
	require.True(t, ok)
	require.Equal(t, "E1001", employee)
	require.True(t, pickup.Matches(token, res.Hash))
	require.Equal(t, []string{"ada@example.com"}, mail[1].To)
	require.NotContains(t, mail[1].Body, token, "the code's message does not carry the link")

	req.PersonalEmail = "Grace.Hopper+home@contoso.example"
	res, err = f.j.Invite(ctx, req)
	require.NoError(t, err)
	require.Equal(t, RefusedSameRecipient, res.Refusal)

	f.j.Settings.PickupCode, req.PersonalEmail = PickupCodeRequired, ""
	res, err = f.j.Invite(ctx, req)
	require.NoError(t, err)
	require.Equal(t, RefusedNoSecondChannel, res.Refusal, "codes required, no second channel: no link")
}

// With the link to the hire, the split runs the other way: the link to the hire's own address (or phone, by the
// SMS webhook), the code to the vetted manager; without a second channel the link goes to the manager alone.
func TestTheReverseSplitSendsTheLinkToTheHire(t *testing.T) {
	j := &Journey{Settings: JoinerSettings{PickupLinkTo: PickupLinkToHire, PickupCode: PickupCodeAuto, CodeByWebhook: true}}
	manager := []string{"grace.hopper@contoso.example"}
	r := j.routes(InviteRequest{EmployeeID: "E1", PersonalEmail: "ada@example.com"}, Recipient{DisplayName: "Ada"}, manager)
	require.Equal(t, "invite-hire", r.link.Kind)
	require.Equal(t, []string{"ada@example.com"}, r.link.To)
	require.Equal(t, "code-manager", r.code.Kind)
	require.Equal(t, manager, r.code.To)
	require.Equal(t, "personal-mail", r.linkChannel)

	r = j.routes(InviteRequest{EmployeeID: "E1", MobilePhone: "+447700900123"}, Recipient{}, manager)
	require.Equal(t, ChannelWebhook, r.link.Channel)
	require.Equal(t, "+447700900123", r.link.Phone)
	require.Equal(t, "sms-webhook", r.linkChannel)
	require.Equal(t, manager, r.code.To)

	r = j.routes(InviteRequest{EmployeeID: "E1"}, Recipient{}, manager)
	require.Equal(t, "invite", r.link.Kind)
	require.Equal(t, manager, r.link.To)
	require.Empty(t, r.code.Kind, "no second channel: the link to the manager, no code")

	j.Settings.PickupLinkTo = PickupLinkToManager
	r = j.routes(InviteRequest{EmployeeID: "E1", PersonalEmail: "ada@example.com"}, Recipient{}, manager)
	require.Equal(t, manager, r.link.To)
	require.Equal(t, []string{"ada@example.com"}, r.code.To)
}

// The page's process creates the pass the workers would: their lifetime, from the reveal's request, wins over
// its own; the value goes only to the waiting response, and with nobody waiting nothing stays live.
func TestTheRevealCreatesThePassTheWorkersWould(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.j.Settings.LifetimeMinutes = 480
	waiters := &pickup.Waiters{}
	p := &Pickup{Journey: f.j, Waiters: waiters}
	id, pass, stop := waiters.Wait()
	defer stop()
	res, err := p.CreateForReveal(ctx, CreateRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, WaiterID: id,
		LifetimeMinutes: 60})
	require.NoError(t, err)
	require.NotEmpty(t, res.MethodID)
	require.Equal(t, time.Hour, res.Expires.Sub(res.Start), "the workers' lifetime")
	require.NotEmpty(t, (<-pass).Reveal())

	res, err = p.CreateForReveal(ctx, CreateRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, WaiterID: "gone"})
	require.NoError(t, err)
	require.True(t, res.Undelivered)
	var u struct {
		TemporaryAccessPass *struct{ ID string } `json:"temporaryAccessPass"`
		IssuedPasses        []string             `json:"issuedPasses"`
	}
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &u)
	require.Len(t, u.IssuedPasses, 1, "nobody waited: nothing was created")
}
