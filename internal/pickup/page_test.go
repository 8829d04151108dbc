package pickup

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/testkit"
)

// fakeJourneys is one journey's invitation, revealed at most once.
type fakeJourneys struct {
	mu       sync.Mutex
	hash     string
	inv      Invitation
	digest   string // the right code's digest
	opened   int
	reveals  int
	lookedUp []string
}

func (f *fakeJourneys) Lookup(_ context.Context, employee, hash string) (Invitation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookedUp = append(f.lookedUp, employee)
	if hash != f.hash {
		return Invitation{State: StateClosed}, nil
	}
	return f.inv, nil
}

func (f *fakeJourneys) Opened(context.Context, string, string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened++
}

func (f *fakeJourneys) Reveal(_ context.Context, _ string, r RevealRequest) (Revealed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Hash != f.hash:
		return Revealed{Refused: StateClosed}, nil
	case f.inv.State != StateOpen:
		return Revealed{Refused: f.inv.State}, nil
	case f.digest != "" && r.CodeDigest != f.digest:
		f.inv.AttemptsLeft--
		return Revealed{Refused: ReasonWrongCode, Invitation: f.inv}, nil
	}
	f.reveals++
	f.inv.State = StateRevealed
	return Revealed{Pass: graph.NewPass("Xk3!pQ9z"), Account: "ada@contoso.example", Expires: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)}, nil
}

func pickupServer(t *testing.T, code string) (*httptest.Server, *fakeJourneys, string) {
	t.Helper()
	key := NewKey()
	token, hash, err := key.NewToken("E1001", nil)
	require.NoError(t, err)
	f := &fakeJourneys{hash: hash, digest: key.CodeDigest(hash, code), inv: Invitation{State: StateOpen, DisplayName: "Ada Lovelace",
		Expires: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC), NeedsCode: code != "", AttemptsLeft: 5}}
	mux := http.NewServeMux()
	(&Handler{Journeys: f, Key: key}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, f, srv.URL + "/p/" + token
}

func fetch(t *testing.T, c *http.Client, method, link string, form url.Values) (*http.Response, string) {
	t.Helper()
	return testkit.Do(t, c, method, link, form, "")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// A scanner fetching the link any number of times with GET or HEAD reveals nothing and consumes nothing; the
// page names the person (not the account), carries strict headers, and works without JavaScript.
func TestFetchingTheLinkRevealsNothing(t *testing.T) {
	_, f, link := pickupServer(t, "")
	for i := range 10 {
		method := http.MethodGet
		if i%2 == 1 {
			method = http.MethodHead
		}
		resp, body := fetch(t, http.DefaultClient, method, link, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
		if method == http.MethodGet {
			require.Contains(t, body, "Ada Lovelace")
			require.Contains(t, body, "Reveal my pass")
			require.NotContains(t, body, "ada@contoso.example", "the account name is shown only with the pass")
			require.NotContains(t, body, "<script")
			require.NotContains(t, body, "Xk3!pQ9z")
		}
	}
	require.Zero(t, f.reveals)
	require.Equal(t, StateOpen, f.inv.State)
}

// The reveal needs the page's own form (its CSRF token with its cookie), shows the pass once, and never again:
// a refresh, a replayed POST or a second device sees "already revealed".
func TestTheRevealShowsThePassOnce(t *testing.T) {
	_, f, link := pickupServer(t, "")
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}

	resp, _ := fetch(t, http.DefaultClient, http.MethodPost, link, url.Values{"csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a POST without the page's cookie")
	require.Zero(t, f.reveals)

	_, page := fetch(t, browser, http.MethodGet, link, nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	resp, body := fetch(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "Xk3!pQ9z")
	require.Contains(t, body, "ada@contoso.example")
	require.Contains(t, body, "https://aka.ms/mysecurityinfo")
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	_, again := fetch(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}})
	require.Contains(t, again, "Already revealed")
	require.NotContains(t, again, "Xk3!pQ9z")
	_, refreshed := fetch(t, browser, http.MethodGet, link, nil)
	require.Contains(t, refreshed, "Already revealed")
	require.Equal(t, 1, f.reveals)
}

// With split knowledge the form asks for the code; a wrong one says so and reveals nothing.
func TestAWrongCodeRevealsNothing(t *testing.T) {
	_, f, link := pickupServer(t, "482913")
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	_, page := fetch(t, browser, http.MethodGet, link, nil)
	require.Contains(t, page, `<label for="code">`)
	csrf := csrfField.FindStringSubmatch(page)[1]
	_, body := fetch(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {"12ab"}})
	require.Contains(t, body, "The code has six digits.", "a malformed code is refused without using a try")
	require.Equal(t, 5, f.inv.AttemptsLeft)
	_, body = fetch(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {"000000"}})
	require.Contains(t, body, "That code is not right.")
	require.Contains(t, body, "4 tries left")
	require.Zero(t, f.reveals)
	_, body = fetch(t, browser, http.MethodPost, link, url.Values{"csrf": {csrf}, "code": {"482913"}})
	require.Contains(t, body, "Xk3!pQ9z")
}

// Anything that is not a token is refused without asking any journey.
func TestANonTokenAsksNoJourney(t *testing.T) {
	srv, f, _ := pickupServer(t, "")
	resp, body := fetch(t, http.DefaultClient, http.MethodGet, srv.URL+"/p/not-a-token", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, body, "This link is not valid")
	require.Empty(t, f.lookedUp)
}

// Every answer under /p/ carries the page's headers, the mux's own 404 and 405 included; over TLS, HSTS too.
func TestEveryAnswerCarriesTheHeaders(t *testing.T) {
	srv, _, link := pickupServer(t, "")
	for _, c := range []struct{ method, url string }{{http.MethodPut, link}, {http.MethodDelete, link},
		{http.MethodGet, srv.URL + "/p/"}, {http.MethodGet, link + "/extra"}} {
		resp, _ := fetch(t, http.DefaultClient, c.method, c.url, nil)
		require.GreaterOrEqual(t, resp.StatusCode, 400, c.method+" "+c.url)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), c.method+" "+c.url)
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'", c.method+" "+c.url)
	}
	mux := http.NewServeMux()
	(&Handler{Journeys: &fakeJourneys{}}).Register(mux)
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	resp, _ := fetch(t, tls.Client(), http.MethodGet, tls.URL+"/p/x", nil)
	require.Equal(t, "max-age=31536000", resp.Header.Get("Strict-Transport-Security"))
}

// Behind a proxy that terminates TLS (plain HTTP inside), an https public origin still makes the form's cookie
// Secure and sends HSTS: whether the proxy forwards the scheme or not.
func TestAnHTTPSPublicOriginMakesTheCookieSecure(t *testing.T) {
	for _, public := range []string{"", "https://tapflow.contoso.example"} {
		key := NewKey()
		token, hash, err := key.NewToken("E1001", nil)
		require.NoError(t, err)
		mux := http.NewServeMux()
		(&Handler{Journeys: &fakeJourneys{hash: hash, inv: Invitation{State: StateOpen, DisplayName: "Ada"}}, Key: key,
			PublicURL: public}).Register(mux)
		srv := httptest.NewServer(mux)
		resp, _ := fetch(t, http.DefaultClient, http.MethodGet, srv.URL+"/p/"+token, nil)
		srv.Close()
		require.Len(t, resp.Cookies(), 1)
		require.Equal(t, public != "", resp.Cookies()[0].Secure, public)
		require.Equal(t, public != "", resp.Header.Get("Strict-Transport-Security") != "", public)
	}
}

// The page speaks the hire's language when the mail templates' directory has a page for it (page.de.html.tmpl
// serves de-DE); otherwise the built-in English one.
func TestThePageSpeaksTheHiresLanguage(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "page.de.html.tmpl"),
		[]byte(`<!doctype html><html lang="de"><style nonce="{{.Nonce}}"></style><h1>Ihr Zugangscode</h1>{{.DisplayName}}`), 0o644))
	key := NewKey()
	token, hash, err := key.NewToken("E1001", nil)
	require.NoError(t, err)
	f := &fakeJourneys{hash: hash, inv: Invitation{State: StateOpen, DisplayName: "Ada Lovelace", Language: "de-DE",
		Expires: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}}
	mux := http.NewServeMux()
	(&Handler{Journeys: f, Key: key, Templates: delivery.Templates{Dir: dir}}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, body := fetch(t, http.DefaultClient, http.MethodGet, srv.URL+"/p/"+token, nil)
	require.Contains(t, body, "Ihr Zugangscode")
	f.inv.Language = "fr-FR"
	_, body = fetch(t, http.DefaultClient, http.MethodGet, srv.URL+"/p/"+token, nil)
	require.Contains(t, body, "Your Temporary Access Pass", "no French page: the built-in one")
}
