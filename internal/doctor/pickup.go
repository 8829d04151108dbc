package doctor

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkPickup checks, with delivery by pickup link, that the page's public origin is https and answers: the
// links in the invitations name it.
func checkPickup(ctx context.Context, r *Report, t Target) {
	if !t.Pickup {
		return
	}
	const name = "pickup page"
	u, err := url.Parse(t.PublicURL)
	switch {
	case t.PublicURL == "":
		r.add(name, Fail, "no public origin: the invitations would have no link", "set --public-url / TAPFLOW_PUBLIC_URL to where starter serve --pickup is reached")
		return
	case err != nil || u.Scheme != "https" && t.RealGraph:
		r.add(name, Fail, "the origin is not https: the link is a secret until used", "put starter serve --pickup behind TLS and give its https:// origin")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(t.PublicURL, "/")+"/healthz", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		r.add(name, Fail, "not reachable from here: "+err.Error(), "check that starter serve --pickup runs and the proxy forwards /p/ and /healthz")
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.add(name, Fail, "the origin answered "+resp.Status+" for /healthz", "check that the proxy forwards to starter serve --pickup")
		return
	}
	r.add(name, OK, "links go to "+t.PublicURL, "")
}
