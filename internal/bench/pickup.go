package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/pickupserver"
	"github.com/tapflow/tapflow/workflows"
)

// pickupNamespace holds the pickup phase's joiners.
const pickupNamespace = "tapflow-bench-pickup"

// pickupPage is the page's process in this one: the page on a local listener and its reveal worker.
type pickupPage struct {
	url  string
	stop func()
}

// startPickupPage serves the pickup page for namespace c on a local port, with its worker creating revealed
// passes through the emulator, as starter serve --pickup does.
func (r *run) startPickupPage(c client.Client, key pickup.Key) (*pickupPage, error) {
	g, err := graph.New(graph.Config{BaseURL: r.graph, StaticToken: "bench-page", Timeout: 10 * time.Second}, graph.Options{})
	if err != nil {
		return nil, fmt.Errorf("the pickup page's Graph client: %w", err)
	}
	js := activities.DefaultJoinerSettings()
	js.Issuance.PerHour = 1000000 // as the workers'
	mux := http.NewServeMux()
	srv := pickupserver.New(c, pickupserver.Config{Graph: g, Settings: js, Key: key}, slog.New(slog.DiscardHandler), mux)
	w := srv.NewWorker()
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start the pickup page's worker: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.Stop()
		return nil, fmt.Errorf("listen for the pickup page: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(l) }()
	return &pickupPage{url: "http://" + l.Addr().String(), stop: func() { _ = hs.Close(); w.Stop() }}, nil
}

// pickupPhase takes n joiners through the default delivery: the first morning mails the manager a link and the
// hire's personal address a code; then each hire opens the link, types the code and reveals the pass, which is
// created at that moment; registering a passkey (with the hint) revokes it. It measures the Graph requests per
// joiner up to the reveal, the reveal's latency, and each pass's live time, from its reveal to its revoke.
func (r *run) pickupPhase(ctx context.Context, n int) error {
	r.log.Info("pickup link", "joiners", n, "namespace", pickupNamespace)
	pl := lane{emu: r.emu, personal: true}
	var err error
	if pl.c, err = client.NewClientFromExisting(r.c, client.Options{Namespace: pickupNamespace}); err != nil {
		return fmt.Errorf("client for namespace %s: %w", pickupNamespace, err)
	}
	defer pl.c.Close()
	key := pickup.NewKey()
	page, err := r.startPickupPage(pl.c, key)
	if err != nil {
		return err
	}
	defer page.stop()
	if pl.child, err = r.startWorker(ctx, pl.c, map[string]string{"TEMPORAL_NAMESPACE": pickupNamespace,
		"TAPFLOW_DELIVERY": string(activities.ChannelPickup), "TAPFLOW_PUBLIC_URL": page.url,
		"TAPFLOW_PICKUP_KEY": base64.StdEncoding.EncodeToString(key)}); err != nil {
		return err
	}
	defer pl.child.stop()
	before, _, err := pl.counts(ctx)
	if err != nil {
		return err
	}
	users, err := pl.addUsers(ctx, "P", n)
	if err != nil {
		return err
	}
	if _, err := pl.hire(ctx, "P", users, 0); err != nil {
		return err
	}
	// Each joiner gets two mails: the link to the manager, the code to the hire.
	if _, err := pl.waitFor(ctx, before, kindMail, float64(2*n)); err != nil {
		return err
	}
	invited, _, err := pl.counts(ctx)
	if err != nil {
		return err
	}
	r.res.PickupJoiners, r.res.PickupGraphByKind = n, map[string]float64{}
	for k, v := range diff(invited, before) {
		r.res.PickupGraphByKind[k] = v / float64(n)
		r.res.PickupGraphRequestsPerJoiner += v / float64(n)
	}
	return r.revealAll(ctx, &pl, users)
}

// revealers is how many hires reveal at the same moment in the pickup phase.
const revealers = 4

// revealAll has each pickup joiner reveal the pass and at once register a passkey (with the hint), a few hires
// at a time, and records the reveal's latency and each pass's live time, from its reveal to its revoke.
func (r *run) revealAll(ctx context.Context, pl *lane, users []string) error {
	n := len(users)
	links, codes, err := invitations(ctx, r.emu, "P", n)
	if err != nil {
		return err
	}
	revealed, reveal := make([]time.Time, n), make([]float64, n)
	if err := parallelOn(revealers, n, func(i int) error {
		revealed[i] = time.Now()
		if err := revealPass(ctx, links[i], codes[i]); err != nil {
			return fmt.Errorf("joiner P%05d: %w", i, err)
		}
		reveal[i] = float64(time.Since(revealed[i]).Milliseconds())
		return pl.registerOne(ctx, fmt.Sprintf("P%05d", i), users[i], true)
	}); err != nil {
		return err
	}
	live := make([]float64, n)
	if err := parallel(n, func(i int) error {
		j, err := pl.revokedJourney(ctx, fmt.Sprintf("P%05d", i))
		if err != nil {
			return err
		}
		if j.Issued.Before(revealed[i]) {
			return fmt.Errorf("joiner P%05d: its pass was created at %s, before its reveal at %s", i, j.Issued, revealed[i])
		}
		live[i] = float64(j.Revoked.Sub(revealed[i]).Milliseconds())
		return nil
	}); err != nil {
		return err
	}
	reveal, live = sortedCopy(reveal), sortedCopy(live)
	r.res.PickupRevealP50ms, r.res.PickupRevealP95ms = percentile(reveal, 50), percentile(reveal, 95)
	r.res.PickupLiveP50ms, r.res.PickupLiveP95ms = percentile(live, 50), percentile(live, 95)
	return nil
}

// revokedJourney waits until the employee's pass is revoked and returns the journey.
func (r *lane) revokedJourney(ctx context.Context, employee string) (*workflows.Journey, error) {
	for {
		var st workflows.Status
		v, err := r.c.QueryWorkflow(ctx, workflows.EmployeeWorkflowID(employee), "", workflows.QueryStatus)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			return nil, fmt.Errorf("status of %s: %w", employee, err)
		}
		if st.Journey != nil && !st.Journey.Revoked.IsZero() {
			return st.Journey, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: pass not revoked: %w", employee, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var (
	linkInMail = regexp.MustCompile(`https?://[^"<\s]+/p/[A-Za-z0-9_-]+`)
	codeInMail = regexp.MustCompile(`<strong>([0-9]{6})</strong>`)
	csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	passInPage = regexp.MustCompile(`<p class="pass"[^>]*>([^<]+)</p>`)
)

// invitations reads each joiner's link (the manager's mail, which names the hire) and code (the mail to the
// hire's personal address) from the emulator's mailbox.
func invitations(ctx context.Context, emu, prefix string, n int) (links, codes []string, err error) {
	var mail []struct {
		To      []string `json:"to"`
		Subject string   `json:"subject"`
		Body    string   `json:"body"`
	}
	if err := getJSON(ctx, emu+"/mail", &mail); err != nil {
		return nil, nil, err
	}
	links, codes = make([]string, n), make([]string, n)
	for i := range n {
		emp := fmt.Sprintf("%s%05d", prefix, i)
		for _, m := range mail {
			switch {
			case len(m.To) == 1 && m.To[0] == personalEmail(emp):
				if c := codeInMail.FindStringSubmatch(m.Body); c != nil {
					codes[i] = c[1]
				}
			case strings.Contains(m.Body, "Bench "+emp):
				links[i] = linkInMail.FindString(m.Body)
			}
		}
		if links[i] == "" || codes[i] == "" {
			return nil, nil, fmt.Errorf("joiner %s: no invitation with a link and a code in the mailbox", emp)
		}
	}
	return links, codes, nil
}

// personalEmail is a bench joiner's own address, where the code goes.
func personalEmail(employee string) string { return strings.ToLower(employee) + "@personal.example" }

// revealPass does what the hire does: opens the link, types the code and reveals; the page must show a pass.
func revealPass(ctx context.Context, link, code string) error {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: time.Minute}
	form, err := fetch(ctx, browser, http.MethodGet, link, nil)
	if err != nil {
		return err
	}
	m := csrfInPage.FindStringSubmatch(form)
	if m == nil {
		return fmt.Errorf("the pickup page has no reveal form")
	}
	shown, err := fetch(ctx, browser, http.MethodPost, link, url.Values{"csrf": {m[1]}, "code": {code}})
	if err != nil {
		return err
	}
	if !passInPage.MatchString(shown) {
		return fmt.Errorf("the reveal showed no pass")
	}
	return nil
}

// fetch makes one request as a browser would and returns the page.
func fetch(ctx context.Context, c *http.Client, method, link string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, link, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s the pickup page: %w", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s the pickup page: %s", method, resp.Status)
	}
	return string(b), err
}
