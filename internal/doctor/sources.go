package doctor

import (
	"context"
	"time"

	"github.com/tapflow/tapflow/internal/sources"
)

// checkSources shows each configured HR source: the directory source and the vendor webhooks, with their last
// event and their credential check.
func checkSources(ctx context.Context, r *Report, t Target) {
	if t.VendorConfigErr != nil {
		r.add("hr sources", Fail, errorDetail(t.VendorConfigErr), "see docs/hr-sources.md")
	}
	if t.Temporal != nil {
		if s, on := sources.Directory(ctx, t.Temporal, t.Directory); on {
			addSource(r, s)
		}
	}
	for _, v := range t.Vendors {
		addSource(r, sources.Vendor(ctx, t.Temporal, v, t.VendorFetchers[v]))
	}
}

// addSource is one source's line: OK when healthy with working credentials, a warning otherwise.
func addSource(r *Report, s sources.Source) {
	name := "hr source " + s.Name
	detail := s.Endpoint + "; last event " + orNever(s.LastEvent) + "; credentials " + s.Credentials
	if s.Detail != "" {
		detail += "; " + s.Detail
	}
	switch {
	case !s.Running:
		r.add(name, Warn, detail, "start a worker: it starts the directory source")
	case !s.Healthy || s.Credentials == sources.CredentialsRefused || s.Credentials == sources.CredentialsFailed:
		r.add(name, Warn, detail, "see docs/hr-sources.md for the source's permissions and credentials")
	default:
		r.add(name, OK, detail, "")
	}
}

// sourceTimeout bounds the vendors' credential checks.
const sourceTimeout = 10 * time.Second
