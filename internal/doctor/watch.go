package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/internal/watch"
)

// checkWatch shows the tenant watch: reading the logs (and since when), or why not. While it cannot read them,
// waiting journeys poll on their own schedule: a warning, not a failure.
func checkWatch(ctx context.Context, r *Report, t Target) {
	const name = "tenant watch"
	if !t.Watch {
		r.add(name, Info, "off: every waiting journey polls for its registration (TAPFLOW_TENANT_WATCH=true reads the "+
			"tenant's logs once a minute instead)", "")
		return
	}
	if t.Temporal == nil {
		return // Temporal's own line says why
	}
	st, ok := watch.Ask(ctx, t.Temporal)
	switch {
	case !ok:
		r.add(name, Warn, "not running yet: the workers start it", "start a worker; it starts the watch ("+watch.WorkflowID+")")
	case st.Fresh(time.Now()):
		r.add(name, OK, fmt.Sprintf("reading the audit and sign-in logs every %s; last read %s; %d registrations told, "+
			"%d sign-ins with a pass, %d alerts, %d orphaned passes revoked", st.Interval, st.LastSuccess.Format(time.RFC3339),
			st.Hints, st.SignIns, st.Alerts, st.Orphans), "")
	case st.Problem == "permission":
		r.add(name, Warn, "Graph refuses to let it read the logs: journeys poll on their own schedule",
			"grant AuditLog.Read.All and Directory.Read.All to the app and grant admin consent")
	default:
		r.add(name, Warn, fmt.Sprintf("not reading the logs (%s; last good read %s): journeys poll on their own schedule",
			orNone(st.Problem), orNever(st.LastSuccess)), "see the worker's log for the watch's last error")
	}
}

func orNone(s string) string {
	if s == "" {
		return "no read yet"
	}
	return s
}

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339)
}
