package stack

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/secretscan"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

var (
	pickupLinkPattern = regexp.MustCompile(`https?://[^"<\s]+/p/[A-Za-z0-9_-]+`)
	csrfPattern       = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	passPattern       = regexp.MustCompile(`<p class="pass"[^>]*>([^<]+)</p>`)
)

// page fetches the pickup page with method (a form when form is not nil) and returns the status and body.
func page(t *testing.T, c *http.Client, method, link string, form url.Values) (int, string) {
	t.Helper()
	resp, body := testkit.Do(t, c, method, link, form, "")
	return resp.StatusCode, body
}

// TestAPassIsCreatedOnlyWhenTheHireRevealsIt: with delivery by pickup link, the first morning mails the manager
// a link, not a pass. Fetching it any number of times, with GET or HEAD as a mail scanner would, issues nothing;
// the reveal creates the pass at that moment and shows it once; a second reveal is refused and audited; the
// registration revokes it. No mail, history or log holds the pass.
func TestAPassIsCreatedOnlyWhenTheHireRevealsIt(t *testing.T) {
	var logs testkit.Buffer
	dir := t.TempDir()
	s := pickupStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) { c.InMemory, c.DataDir = false, dir })
	emu := s.EmulatorURL() + "/_emulator"
	j := hireAndWait(t, s, "pickup-hire", "E1001", graphemu.DemoAdaLovelaceID, workflows.StageInvited, workflows.StageDone)
	require.Equal(t, workflows.StageInvited, j.Stage, j.Reason)
	var mail []emuMail
	require.Eventually(t, func() bool { getJSON(t, emu+"/mail", &mail); return len(mail) > 0 }, time.Minute, 50*time.Millisecond,
		"the stage shows invited as the invitation goes out")
	require.Len(t, mail, 1)
	require.Equal(t, []string{"grace.hopper@contoso.example"}, mail[0].To)
	link := pickupLinkPattern.FindString(mail[0].Body)
	require.NotEmpty(t, link, "the invitation carries the link")

	scanLikeAMailScanner(t, link)
	require.Empty(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID), "fetching the link issues nothing")
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001"))
		return st.Journey.Pickup != nil && st.Journey.Pickup.Opens >= 1 && !st.Journey.Pickup.FirstOpened.IsZero()
	}, 10*time.Second, 100*time.Millisecond, "the fetches are counted (reported at most every 10 s per link)")

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	_, form := page(t, browser, http.MethodGet, link, nil)
	require.Contains(t, form, "Ada Lovelace")
	csrf := csrfPattern.FindStringSubmatch(form)[1]
	status, shown := page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusOK, status, shown)
	m := passPattern.FindStringSubmatch(shown)
	require.NotNil(t, m, shown)
	issued := issuedPasses(t, s, graphemu.DemoAdaLovelaceID)
	shownPass := html.UnescapeString(m[1])
	require.Equal(t, []string{shownPass}, issued, "the page shows the one pass, created at the reveal")

	_, again := page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}})
	require.Contains(t, again, "Already revealed")
	require.NotContains(t, again, m[1])
	require.NotContains(t, again, shownPass)
	require.Contains(t, logs.String(), `"action":"pickup.reveal_again"`)
	st := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001"))
	require.Equal(t, pickup.StateRevealed, st.Journey.Pickup.State)
	require.False(t, st.Journey.Pickup.RevealedAt.IsZero())
	require.Equal(t, "127.0.0.1", st.Journey.Pickup.RevealedFrom)

	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"YubiKey"}`, nil)
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001"))
		return st.Journey.Outcome == workflows.OutcomeRegistered
	}, time.Minute, 100*time.Millisecond)
	_, closed := page(t, browser, http.MethodGet, link, nil)
	require.Contains(t, closed, "This link is not valid", "the journey's end kills the link")

	getJSON(t, emu+"/mail", &mail)
	sources := map[string][]byte{"logs": []byte(logs.String()), "history": historyJSON(t, s, workflows.EmployeeWorkflowID("E1001"))}
	for i, msg := range mail {
		sources["mail "+string(rune('0'+i))] = []byte(msg.Body + msg.Subject)
	}
	s.Stop() // everything on disk: the database and its write-ahead log are scanned too
	addDatabase(t, sources, dir)
	requireNoPasses(t, issued, sources)
}

// revealForm opens the link in a fresh browser and returns it with the form's CSRF token.
func revealForm(t *testing.T, link string) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	_, form := page(t, browser, http.MethodGet, link, nil)
	m := csrfPattern.FindStringSubmatch(form)
	require.NotNil(t, m, form)
	return browser, m[1]
}

// TestSplitKnowledgeNeedsTheCodeFromTheSecondChannel plays the split-knowledge attacks: the link goes to the
// manager, a one-time code to the hire's own address. Whoever holds only the link (the manager, a mailbox
// reader) cannot reveal: wrong codes are counted, and the fifth burns the link (outcome pickup_locked, audited,
// the security mailbox told) with no pass ever created. With the right code the pass is revealed.
func TestSplitKnowledgeNeedsTheCodeFromTheSecondChannel(t *testing.T) {
	var logs testkit.Buffer
	s := pickupStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) {
		c.Journey.Settings.SecurityMailbox = "soc@contoso.example"
	})
	emu := s.EmulatorURL() + "/_emulator"
	hire := func(event, employee, user, personal string) (link, code string) {
		e := hireStartingNow(event, employee, user)
		e.Employee.PersonalEmail = personal
		submitHire(t, s, e)
		return invitationAndCode(t, emu, personal)
	}

	link, code := hire("split-1", "E1001", graphemu.DemoAdaLovelaceID, "ada.personal@example.com")
	browser, csrf := revealForm(t, link)
	_, body := page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}})
	require.Contains(t, body, "The code has six digits.", "the link alone reveals nothing")
	_, body = page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {wrongCode(code)}})
	require.Contains(t, body, "That code is not right.")
	require.Contains(t, body, "4 tries left")
	require.Empty(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID))
	_, body = page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {code}})
	require.Regexp(t, passPattern, body)
	require.Len(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID), 1)

	link, code = hire("split-2", "E1002", graphemu.DemoKatherineID, "katherine.personal@example.com")
	browser, csrf = revealForm(t, link)
	for range 5 {
		_, body = page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {wrongCode(code)}})
	}
	require.Contains(t, body, "This link is locked")
	_, body = page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {code}})
	require.NotRegexp(t, passPattern, body, "the right code after the lockout reveals nothing")
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1002"))
		return st.Journey.Outcome == workflows.Outcome(workflows.RefusedPickupLocked)
	}, time.Minute, 100*time.Millisecond)
	require.Empty(t, issuedPasses(t, s, graphemu.DemoKatherineID))
	require.Contains(t, logs.String(), `"action":"pickup.locked"`)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: pickup_locked") }, time.Minute, 100*time.Millisecond)
}

var codePattern = regexp.MustCompile(`<strong>([0-9]{6})</strong>`)

// wrongCode is a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestTheCodeCanGoByTextMessage: with only the hire's mobile number, the one-time code goes through the signed
// webhook channel (an SMS gateway; in the dev stack, the emulator's outbox, which checks the signature), never
// in the manager's mail; the page asks for it and reveals with it.
func TestTheCodeCanGoByTextMessage(t *testing.T) {
	var logs testkit.Buffer
	s := pickupStack(t, slog.New(slog.NewJSONHandler(&logs, nil)))
	emu := s.EmulatorURL() + "/_emulator"
	e := hireStartingNow("sms-hire", "E1001", graphemu.DemoAdaLovelaceID)
	e.Employee.MobilePhone = "+447700900123"
	submitHire(t, s, e)
	link, _ := invitationAndCode(t, emu, "")
	var code string
	require.Eventually(t, func() bool {
		var outbox []struct {
			Kind     string `json:"kind"`
			Verified bool   `json:"verified"`
			Body     struct {
				Type  string `json:"type"`
				Phone string `json:"phone"`
				Text  string `json:"text"`
			} `json:"body"`
		}
		getJSON(t, emu+"/outbox", &outbox)
		for _, o := range outbox {
			if o.Kind == "webhook" && o.Verified && o.Body.Type == "tapflow.code" && o.Body.Phone == "+447700900123" {
				code = regexp.MustCompile(`[0-9]{6}`).FindString(o.Body.Text)
			}
		}
		return code != ""
	}, time.Minute, 100*time.Millisecond)
	var mail []emuMail
	getJSON(t, emu+"/mail", &mail)
	for _, m := range mail {
		require.NotContains(t, m.Body, code, "the code never goes to the manager")
	}
	browser, csrf := revealForm(t, link)
	_, body := page(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {code}})
	require.Regexp(t, passPattern, body)

	// The secret scans reach the second channel too: no pass, and no code or link, in the outbox's webhook
	// captures, the mail, the history or the logs (the code only in its own message).
	outbox, err := http.Get(emu + "/outbox")
	require.NoError(t, err)
	captured, err := io.ReadAll(outbox.Body)
	outbox.Body.Close()
	require.NoError(t, err)
	getJSON(t, emu+"/mail", &mail)
	sources := map[string][]byte{"outbox": captured, "logs": []byte(logs.String()),
		"history": historyJSON(t, s, workflows.EmployeeWorkflowID("E1001"))}
	for i, m := range mail {
		sources["mail "+strconv.Itoa(i)] = []byte(m.Subject + m.Body)
	}
	requireNoPasses(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID), sources)
	token := link[strings.LastIndex(link, "/")+1:]
	delete(sources, "outbox")
	require.Empty(t, secretscan.Scan([]string{code}, map[string][]byte{"logs": sources["logs"], "history": sources["history"]}),
		"the code is in no log and no history")
	delete(sources, "mail 0") // the invitation itself carries the link
	require.Empty(t, secretscan.Scan([]string{token}, map[string][]byte{"logs": sources["logs"], "history": sources["history"]}),
		"the link's token is in no log and no history")
}

// pickupStack starts a dev stack that delivers by pickup link, its page on the webhook listener.
func pickupStack(t *testing.T, log *slog.Logger, adjust ...func(*Config)) *Stack {
	t.Helper()
	return journeyStack(t, log, func(c *Config) {
		c.WebhookAddress = "127.0.0.1:0"
		c.Journey.Settings.Channel = activities.ChannelPickup
		for _, f := range adjust {
			f(c)
		}
	})
}

// submitHire hands a hire to the intake and requires it accepted.
func submitHire(t *testing.T, s *Stack, e hrevent.Event) {
	t.Helper()
	res, err := intake.Submit(context.Background(), s.Client(), e)
	require.NoError(t, err)
	require.Equal(t, workflows.EventAccepted, res.Status, res.Reason)
}

// scanLikeAMailScanner fetches the link ten times, by GET and HEAD, as a mail scanner would: each answers 200.
func scanLikeAMailScanner(t *testing.T, link string) {
	t.Helper()
	for i := range 10 {
		method := http.MethodGet
		if i%2 == 1 {
			method = http.MethodHead
		}
		status, _ := page(t, http.DefaultClient, method, link, nil)
		require.Equal(t, http.StatusOK, status)
	}
}
