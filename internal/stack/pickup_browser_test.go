package stack

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/secretscan"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// chromiumPath finds Debian's chromium (installed by .ci/run), or "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserContext is a headless Chromium for the test.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium on this machine: install Debian's chromium package (.ci/run does) to run the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(900, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestThePickupPageInARealBrowser drives the page in headless Chromium: the invitation from the manager's
// mailbox and the code from the hire's own; ten scanner fetches issue nothing; a wrong code is refused; the
// right one reveals the pass, which the emulator accepts as the user's; a reload shows "already revealed"; a
// passkey registration revokes the pass. The browser's traffic, recorded on the wire, holds the pass in the
// reveal's answer only. A screenshot of the page, before the reveal, goes to docs/ when
// TAPFLOW_SCREENSHOT_DIR names a directory.
func TestThePickupPageInARealBrowser(t *testing.T) {
	ctx := browserContext(t)
	var logs testkit.Buffer
	s := pickupStack(t, slog.New(slog.NewJSONHandler(&logs, nil)))
	emu := s.EmulatorURL() + "/_emulator"
	e := hireStartingNow("browser-hire", "E1001", graphemu.DemoAdaLovelaceID)
	e.Employee.PersonalEmail = "ada.personal@example.com"
	submitHire(t, s, e)
	link, code := invitationAndCode(t, emu, "ada.personal@example.com")

	scanLikeAMailScanner(t, link)
	require.Empty(t, issuedPasses(t, s, graphemu.DemoAdaLovelaceID), "a scanner's fetches issue nothing")

	network, proxied := recordNetwork(t, link)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(proxied)))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), wrongCode(code)),
		chromedp.Click(chromedp.CSS("button"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(".error")),
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS("button"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(".pass"))))
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".pass")))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
	after, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	require.Equal(t, "Your Temporary Access Pass", heading)
	require.Equal(t, "Already revealed", after, "a reload never shows the pass again")
	shown = strings.TrimSpace(shown)
	require.Equal(t, []string{shown}, issuedPasses(t, s, graphemu.DemoAdaLovelaceID))
	var verdict struct {
		Valid bool `json:"valid"`
	}
	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/tap/verify", `{"pass":"`+jsonEscape(shown)+`"}`, &verdict)
	require.True(t, verdict.Valid, "the emulator accepts the revealed pass")
	// The browser's network log holds the pass in one place only: the reveal's response.
	found := secretscan.Scan([]string{shown}, network.sources())
	require.Len(t, found, 1, "%v", found)
	require.Contains(t, found[0].Source, "POST /p/", "only the reveal's answer carries the pass")
	require.GreaterOrEqual(t, network.len(), 3, "the page, the wrong code's answer, the reveal and the reload were recorded")
	if dir := os.Getenv("TAPFLOW_SCREENSHOT_DIR"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "pickup-page.png"), shot, 0o644))
	}

	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Passkey"}`, nil)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001")).Journey.Outcome == workflows.OutcomeRegistered
	}, time.Minute, 100*time.Millisecond)
	var u emuUser
	getJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID, &u)
	require.Nil(t, u.TemporaryAccessPass, "revoked once a passkey is registered")

	// A termination kills a link: a second hire's page, once the employee left, reveals nothing.
	submitHire(t, s, hireStartingNow("browser-hire-2", "E1002", graphemu.DemoKatherineID))
	link2, _ := invitationAndCode(t, emu, "")
	_, err = intake.Submit(context.Background(), s.Client(), hrevent.Event{ID: "browser-leave", Type: hrevent.Termination,
		OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{EmployeeID: "E1002", LeaveAt: time.Now().UTC().Format(time.RFC3339)}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		if chromedp.Do(ctx, chromedp.Navigate(link2)) != nil {
			return false
		}
		h, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		return err == nil && h == "This link is not valid"
	}, time.Minute, 200*time.Millisecond)
	require.Empty(t, issuedPasses(t, s, graphemu.DemoKatherineID))
}

// invitationAndCode waits for the newest invitation's link and, when personal is set, the code mailed there.
func invitationAndCode(t *testing.T, emu, personal string) (link, code string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var mail []emuMail
		getJSON(t, emu+"/mail", &mail)
		link, code = "", ""
		for _, m := range mail {
			switch {
			case personal != "" && len(m.To) == 1 && m.To[0] == personal:
				code = codePattern.FindStringSubmatch(m.Body)[1]
			case strings.Contains(m.Body, "/p/"):
				link = pickupLinkPattern.FindString(m.Body)
			}
		}
		return link != "" && (personal == "" || code != "")
	}, time.Minute, 100*time.Millisecond)
	return link, code
}

// jsonEscape escapes a pass for a JSON string.
func jsonEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
