package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/watch"
)

// Watch reads the tenant's logs for the TenantWatch workflow and acts on what they say: a registration wakes
// the user's waiting journey, a sign-in with a pass is recorded with its journey, and a pass nobody should
// have raises an alert. It runs on the Graph queue, within the tenant's Graph budget.
type Watch struct {
	Journey  *Journey // Graph, audit, alerts and settings
	Logs     graph.LogReader
	Journeys JourneyIndex
	Metrics  WatchMetrics // nil: nothing is counted
}

// JourneyIndex finds the employee workflows that hold a pass for a user and tells them what the logs say
// (watch.Journeys, with the employee workflow's signals, is the real one).
type JourneyIndex interface {
	// Open finds the running journeys holding a pass for each user; Running the running ones that ever held
	// one; Known every journey, running or closed, that ever held one.
	Open(ctx context.Context, users []string) (map[string][]string, error)
	Running(ctx context.Context, users []string) (map[string][]string, error)
	Known(ctx context.Context, users []string) (map[string][]string, error)
	// FirstWatch is when the namespace's first tenant watch on record started.
	FirstWatch(ctx context.Context) (time.Time, error)
	Hint(ctx context.Context, workflowID string) error
	SignIn(ctx context.Context, workflowID string, s graph.SignIn) error
}

// WatchMetrics counts the watch's reads, its health, its alerts and the sign-ins with a pass.
type WatchMetrics interface {
	WatchRead(log, result string)
	WatchSucceeded(at time.Time)
	WatchHealthy(ok bool)
	SecurityAlert(reason string)
	TapSignIn(succeeded bool)
}

// The watch's problems: why a read did not complete.
const (
	WatchDenied      = "permission" // Graph refused the read (401/403): AuditLog.Read.All and Directory.Read.All
	WatchThrottled   = "throttled"  // the reports API's limit (about 5 requests per 10 s per app)
	WatchUnavailable = "unavailable"
)

// WatchRequest is one read: where the watch stands.
type WatchRequest struct {
	Cursor  watch.Cursor  `json:"cursor"`
	Overlap time.Duration `json:"overlap"`
}

// WatchResult is what one read did. Problem is set when a log could not be read: the cursor stays.
type WatchResult struct {
	Cursor  watch.Cursor `json:"cursor"`
	Problem string       `json:"problem,omitempty"`
	Hints   int          `json:"hints,omitempty"`
	SignIns int          `json:"sign_ins,omitempty"`
	Alerts  int          `json:"alerts,omitempty"`
}

// ReadTenantLogs reads both logs since the cursor (less the overlap) and acts on every entry not seen before.
func (w *Watch) ReadTenantLogs(ctx context.Context, req WatchRequest) (WatchResult, error) {
	began := time.Now().UTC()
	from := req.Cursor.ReadFrom(req.Overlap)
	audits, err := w.Logs.ListMethodAudits(ctx, from)
	if problem := w.readOutcome("directory_audits", err); problem != "" {
		return WatchResult{Cursor: req.Cursor, Problem: problem}, nil
	}
	signIns, err := w.Logs.ListSignIns(ctx, from)
	if problem := w.readOutcome("sign_ins", err); problem != "" {
		return WatchResult{Cursor: req.Cursor, Problem: problem}, nil
	}
	found := watch.Classify(audits, signIns, w.Journey.Settings.Watch.AppID, req.Cursor.SeenSet())
	res, err := w.act(ctx, found)
	if err != nil {
		return WatchResult{}, err
	}
	res.Cursor = req.Cursor.Advance(found, began, req.Overlap)
	if w.Metrics != nil {
		w.Metrics.WatchSucceeded(began)
		w.Metrics.WatchHealthy(true)
	}
	return res, nil
}

// readOutcome counts a read and names its problem ("" when it succeeded).
func (w *Watch) readOutcome(log string, err error) string {
	result, problem := "ok", ""
	switch kind := graph.KindOf(err); {
	case err == nil:
	case kind == graph.KindForbidden || kind == graph.KindUnauthorized:
		result, problem = "denied", WatchDenied
	case kind == graph.KindThrottled:
		result, problem = "throttled", WatchThrottled
	default:
		result, problem = "error", WatchUnavailable
	}
	if w.Metrics != nil {
		w.Metrics.WatchRead(log, result)
		if problem != "" && problem != WatchThrottled {
			w.Metrics.WatchHealthy(false)
		}
	}
	return problem
}

// act tells each finding's journey, or raises the finding's alert.
func (w *Watch) act(ctx context.Context, found []watch.Finding) (WatchResult, error) {
	var res WatchResult
	if len(found) == 0 {
		return res, nil
	}
	users := make([]string, 0, len(found))
	for _, f := range found {
		users = append(users, f.UserID)
	}
	open, err := w.Journeys.Open(ctx, users)
	if err != nil {
		return res, err
	}
	for _, f := range found {
		wfs := open[lower(f.UserID)]
		switch f.Kind {
		case watch.Registered:
			res.Hints += w.tell(ctx, wfs, func(wf string) error { return w.Journeys.Hint(ctx, wf) })
		case watch.ShadowPass:
			res.Alerts += w.shadowPass(ctx, f, ownPassAfter(found, f))
		case watch.TAPSignIn:
			n, err := w.signIn(ctx, f)
			if err != nil {
				return res, err
			}
			res.SignIns, res.Alerts = res.SignIns+1, res.Alerts+n
		}
	}
	return res, nil
}

// ownPassAfter says tapflow created a pass for the same user after the finding (which replaced it).
func ownPassAfter(found []watch.Finding, f watch.Finding) bool {
	for _, o := range found {
		if o.Kind == watch.OwnPass && strings.EqualFold(o.UserID, f.UserID) && o.At.After(f.At) {
			return true
		}
	}
	return false
}

// tell sends something to each workflow and returns how many took it. One that fails is logged and left: the
// finding is not acted on again (the cursor moves past it), and the journey's own safety-net look covers it.
func (w *Watch) tell(ctx context.Context, wfs []string, send func(string) error) int {
	n := 0
	for _, wf := range wfs {
		if err := send(wf); err != nil {
			if activity.IsActivity(ctx) {
				activity.GetLogger(ctx).Warn("a journey could not be told what the logs say", "workflow_id", wf, "error", err)
			}
			continue
		}
		n++
	}
	return n
}

// signIn records a sign-in with a pass with the employee's running workflow, which judges it against its pass;
// with none running it is an alert: a pass used after its journey ended, or one tapflow never issued. It
// returns the alerts raised.
func (w *Watch) signIn(ctx context.Context, f watch.Finding) (int, error) {
	s := *f.SignIn
	if w.Metrics != nil {
		w.Metrics.TapSignIn(s.Succeeded())
	}
	w.Journey.record(ctx, audit.Entry{Action: "tap.signin", UserID: f.UserID, Reason: signInResult(s)})
	running, err := w.Journeys.Running(ctx, []string{f.UserID})
	if err != nil {
		return 0, err
	}
	if wfs := running[lower(f.UserID)]; len(wfs) > 0 {
		w.tell(ctx, wfs, func(wf string) error { return w.Journeys.SignIn(ctx, wf, s) })
		return 0, nil
	}
	known, err := w.Journeys.Known(ctx, []string{f.UserID})
	if err != nil {
		return 0, err
	}
	if len(known[lower(f.UserID)]) > 0 {
		w.alert(ctx, AlertPassUsedAfterRevoke, f.UserID, fmt.Sprintf("A Temporary Access Pass was used (%s) for user %s "+
			"at %s, after tapflow's journey for them ended and revoked its pass. Check the account's sign-ins and methods.",
			signInResult(s), f.UserID, s.At.UTC().Format(time.RFC3339)))
		return 1, nil
	}
	w.alert(ctx, AlertSignInWithoutJourney, f.UserID, fmt.Sprintf("A Temporary Access Pass was used (%s) for user %s "+
		"at %s, and tapflow has no journey for them: the pass was not tapflow's. Find who issued it.",
		signInResult(s), f.UserID, s.At.UTC().Format(time.RFC3339)))
	return 1, nil
}

// signInResult is a sign-in's result as a code.
func signInResult(s graph.SignIn) string {
	if s.Succeeded() {
		return "success"
	}
	return "failure"
}

// alert raises a security alert: audited, counted, mailed to the security mailbox. A mail that fails is logged;
// the alert is already audited and counted.
func (w *Watch) alert(ctx context.Context, reason, userID, detail string) {
	if w.Metrics != nil {
		w.Metrics.SecurityAlert(reason)
	}
	w.Journey.record(ctx, audit.Entry{Action: "security.alert", UserID: userID, Reason: reason})
	if _, err := w.Journey.mailAlert(ctx, AlertRequest{Reason: reason, Detail: detail}); err != nil && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("a security alert was not mailed", "reason", reason, "error", err)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
