// Package sources describes the configured HR sources for doctor and starter sources: the directory source
// (its DirectorySync workflow's status) and each vendor webhook (its last delivery, from the VendorNotice
// workflows it started, and its credential check against the vendor's API).
package sources

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/workflows"
)

// Credential check results.
const (
	CredentialsOK         = "ok"
	CredentialsRefused    = "refused"
	CredentialsFailed     = "unreachable"
	CredentialsNotChecked = "not checked"
)

// Source is one configured HR source.
type Source struct {
	Name        string    `json:"name"`     // directory, bamboohr, hibob
	Endpoint    string    `json:"endpoint"` // where its events come from
	Running     bool      `json:"running"`  // the directory source's workflow answers, or the hook is mounted
	Healthy     bool      `json:"healthy"`
	Detail      string    `json:"detail,omitempty"`
	LastEvent   time.Time `json:"last_event,omitzero"`
	Credentials string    `json:"credentials"`
}

// Directory describes the directory source from its workflow's status; on says it is configured.
func Directory(ctx context.Context, c client.Client, on bool) (Source, bool) {
	if !on {
		return Source{}, false
	}
	s := Source{Name: "directory", Endpoint: "Graph /users/delta", Credentials: CredentialsNotChecked}
	v, err := c.QueryWorkflow(ctx, dirsync.WorkflowID, "", dirsync.QueryStatus)
	var st workflows.DirectoryStatus
	if err != nil || v.Get(&st) != nil {
		s.Detail = "not running yet: the workers start it (" + dirsync.WorkflowID + ")"
		return s, true
	}
	s.Running, s.Healthy, s.LastEvent = true, st.Healthy, st.LastEvent
	s.Detail = fmt.Sprintf("a round every %s; %d rounds (%d read the whole directory); events %s; skipped %s",
		st.Interval, st.Rounds, st.Baselines, counts(st.Outcomes), counts(st.Skipped))
	switch {
	case st.Healthy:
		s.Credentials = CredentialsOK // the last round read Graph
	case st.Problem != "":
		s.Detail = st.Problem + "; " + s.Detail
		if strings.Contains(st.Problem, "Forbidden") || strings.Contains(st.Problem, "Unauthorized") {
			s.Credentials = CredentialsRefused
		}
	}
	return s, true
}

// Vendor describes a vendor webhook: its last delivery and, with an adapter holding its API credentials, one
// authenticated call.
func Vendor(ctx context.Context, c client.Client, name string, fetcher hrvendor.Adapter) Source {
	s := Source{Name: name, Endpoint: "POST /v1/hooks/" + name, Running: true, Healthy: true, Credentials: CredentialsNotChecked}
	if c != nil {
		s.LastEvent = lastNotice(ctx, c, name)
	}
	if fetcher != nil {
		switch err := fetcher.CheckCredentials(ctx); {
		case err == nil:
			s.Credentials = CredentialsOK
		case errors.Is(err, hrvendor.ErrCredentials):
			s.Credentials, s.Healthy = CredentialsRefused, false
			s.Detail = "the vendor refused the API credentials: records of dataless deliveries cannot be read"
		default:
			s.Credentials, s.Healthy = CredentialsFailed, false
			s.Detail = "the vendor's API did not answer: " + err.Error()
		}
	}
	return s
}

// lastNotice is the start of the newest VendorNotice workflow of the vendor (zero when none is kept).
func lastNotice(ctx context.Context, c client.Client, vendor string) time.Time {
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 200,
		Query: "WorkflowType = 'VendorNotice'"})
	if err != nil {
		return time.Time{}
	}
	var last time.Time
	for _, e := range resp.GetExecutions() {
		if strings.HasPrefix(e.GetExecution().GetWorkflowId(), "source/"+vendor+"/") {
			if t := e.GetStartTime().AsTime(); t.After(last) {
				last = t
			}
		}
	}
	return last
}

// counts renders a count map as "a 1, b 2" ("none" when empty).
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
