// Package watch turns the tenant's audit and sign-in logs into what tapflow acts on: a registration that ends
// a journey's wait, a pass someone other than tapflow created (a shadow pass), a pass tapflow created, a sign-in
// made with a pass. One read of each log per interval covers every user, so the cost does not grow with the
// number of joiners waiting. The logs arrive minutes late and out of order: each read goes back an overlap
// window before its cursor, and entries already seen are dropped by id.
package watch

import (
	"slices"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/graph"
)

// Kind is what a finding says.
type Kind string

// The kinds of finding.
const (
	// Registered: a person registered a method other than a pass (a passkey, Windows Hello, Authenticator):
	// the user's waiting journey looks at once.
	Registered Kind = "registered"
	// OwnPass: tapflow's app created a pass: reconciliation checks that it belongs to an open journey.
	OwnPass Kind = "own_pass"
	// ShadowPass: a pass created by anyone other than tapflow's app (a person in the portal, another app).
	ShadowPass Kind = "shadow_pass"
	// PassDeleted: a pass was deleted, by anyone.
	PassDeleted Kind = "pass_deleted"
	// TAPSignIn: a sign-in that used a pass (successful or not).
	TAPSignIn Kind = "tap_signin"
)

// Finding is one fact from the logs about one user. It holds the Entra object id, never a name or mail.
type Finding struct {
	Kind   Kind      `json:"kind"`
	ID     string    `json:"id"` // the log entry's id
	At     time.Time `json:"at"` // when it happened (not when it was logged)
	UserID string    `json:"user_id"`
	// ByUserID is the person who created a shadow pass (an administrator's object id), when a person did.
	ByUserID string `json:"by_user_id,omitempty"`
	ByAppID  string `json:"by_app_id,omitempty"`
	// SignIn is the sign-in, for TAPSignIn.
	SignIn *graph.SignIn `json:"sign_in,omitempty"`
}

// Classify turns audit entries and sign-ins into findings, oldest first, dropping entries whose id is in seen
// and entries that concern no user. appIDs are tapflow's own application ids (the workers' and the pickup
// page's, comma-separated): a pass one of them created, with no person behind it, is OwnPass, any other a
// ShadowPass; with none, every pass is a ShadowPass (refuse by default: what cannot be told apart is reported).
func Classify(audits []graph.AuditEntry, signIns []graph.SignIn, appIDs string, seen map[string]bool) []Finding {
	var out []Finding
	for _, a := range audits {
		if seen[a.ID] || a.UserID == "" || (a.Result != "" && a.Result != "success") {
			continue
		}
		f := Finding{ID: a.ID, At: a.At, UserID: a.UserID, ByUserID: a.ByUserID, ByAppID: a.ByAppID}
		switch {
		case a.IsTAP() && a.Deleted():
			f.Kind = PassDeleted
		case a.IsTAP() && a.Registered() && a.ByUserID == "" && OwnApp(appIDs, a.ByAppID):
			f.Kind = OwnPass
		case a.IsTAP() && a.Registered():
			f.Kind = ShadowPass
		case a.Registered():
			f.Kind = Registered
		default:
			continue
		}
		out = append(out, f)
	}
	for _, s := range signIns {
		if seen[s.ID] || !s.TAP || s.UserID == "" {
			continue
		}
		si := s
		out = append(out, Finding{Kind: TAPSignIn, ID: s.ID, At: s.At, UserID: s.UserID, SignIn: &si})
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return a.At.Compare(b.At) })
	return out
}

// Cursor is where the watch stands in the logs: the latest time read, and the ids of the entries it acted on
// within the overlap window before it (so a late entry is read, an early one not acted on twice).
type Cursor struct {
	Since time.Time            `json:"since"`
	Seen  map[string]time.Time `json:"seen,omitempty"` // entry id -> its time
}

// ReadFrom is the time the next read starts at: the cursor less the overlap window.
func (c Cursor) ReadFrom(overlap time.Duration) time.Time { return c.Since.Add(-overlap) }

// SeenSet is the ids the next read drops.
func (c Cursor) SeenSet() map[string]bool {
	out := make(map[string]bool, len(c.Seen))
	for id := range c.Seen {
		out[id] = true
	}
	return out
}

// Advance records the findings acted on and a read that covered the logs up to readAt (when it began), and
// forgets ids older than the overlap window. The cursor never moves back.
func (c Cursor) Advance(found []Finding, readAt time.Time, overlap time.Duration) Cursor {
	next := Cursor{Since: c.Since, Seen: map[string]time.Time{}}
	if readAt.After(next.Since) {
		next.Since = readAt
	}
	keepFrom := next.Since.Add(-overlap)
	for id, at := range c.Seen {
		if !at.Before(keepFrom) {
			next.Seen[id] = at
		}
	}
	for _, f := range found {
		if !f.At.Before(keepFrom) {
			next.Seen[f.ID] = f.At
		}
	}
	return next
}

// OwnApp says appID is one of tapflow's application ids (a comma-separated list), compared case-insensitively.
func OwnApp(appIDs, appID string) bool {
	if appID == "" {
		return false
	}
	for _, id := range strings.Split(appIDs, ",") {
		if strings.EqualFold(strings.TrimSpace(id), appID) {
			return true
		}
	}
	return false
}
