package stack

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/testkit"
)

// TestTheReverseSplitSendsTheLinkToTheHireAndTheCodeToTheManager: with --pickup-link-to hire, the link goes to
// the hire's own address and the one-time code to the vetted manager, who hands it over in person. The manager's
// mail holds no link and the hire's no code; whoever holds only the link (a personal mailbox's reader) reveals
// nothing; with the manager's code the pass is revealed.
func TestTheReverseSplitSendsTheLinkToTheHireAndTheCodeToTheManager(t *testing.T) {
	var logs testkit.Buffer
	s := pickupStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) {
		c.Journey.Settings.PickupLinkTo = activities.PickupLinkToHire
	})
	emu := s.EmulatorURL() + "/_emulator"
	e := hireStartingNow("reverse-hire", "E1001", graphemu.DemoAdaLovelaceID)
	e.Employee.PersonalEmail = "ada.personal@example.com"
	submitHire(t, s, e)
	var link, code string
	require.Eventually(t, func() bool {
		var mail []emuMail
		getJSON(t, emu+"/mail", &mail)
		link, code = "", ""
		for _, m := range mail {
			switch {
			case len(m.To) == 1 && m.To[0] == "ada.personal@example.com":
				require.NotRegexp(t, codePattern, m.Body, "the hire's mail holds no code")
				link = pickupLinkPattern.FindString(m.Body)
			case len(m.To) == 1 && m.To[0] == "grace.hopper@contoso.example":
				require.NotRegexp(t, pickupLinkPattern, m.Body, "the manager's mail holds no link")
				if c := codePattern.FindStringSubmatch(m.Body); c != nil {
					code = c[1]
				}
			}
		}
		return link != "" && code != ""
	}, time.Minute, 100*time.Millisecond)

	browser, csrf := revealForm(t, link)
	_, body := page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {wrongCode(code)}})
	require.Contains(t, body, "That code is not right.", "the link alone reveals nothing")
	require.Empty(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID))
	_, body = page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {code}})
	require.Regexp(t, passPattern, body)
	require.Len(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID), 1)
	require.Contains(t, logs.String(), `"action":"pickup.invited"`)
	require.Contains(t, logs.String(), `"channel":"personal-mail"`)
}
