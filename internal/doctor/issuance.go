package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/internal/issuance"
)

// checkIssuance shows the issuance guard: paused (a failure until a person resumes it), its limits, and where
// its alerts go.
func checkIssuance(ctx context.Context, r *Report, t Target) {
	const name = "issuance guard"
	if t.Temporal == nil {
		return
	}
	switch l := t.Issuance; {
	case l.PerHour <= 0:
		r.add(name, Warn, "the breaker is off: a compromised HR feed can mint any number of passes",
			"set --issuance-limit / TAPFLOW_ISSUANCE_LIMIT, e.g. 50 passes an hour")
	default:
		st, err := (&issuance.Client{Temporal: t.Temporal, TaskQueue: t.TaskQueue}).Status(ctx)
		switch {
		case err != nil:
			r.add(name, Fail, "cannot read it: "+err.Error(), "check that the workers run and this identity may query workflows")
		case st.Paused:
			r.add(name, Fail, fmt.Sprintf("issuance PAUSED since %s: %d journeys held (%s)", st.PausedAt.Format(time.RFC3339),
				st.Held, issuance.ReasonPaused),
				"find who sent the events in the audit log; when it is safe: starter issuance resume --by NAME --reason TEXT")
		default:
			r.add(name, OK, fmt.Sprintf("running: %d of %d passes in the last hour; %d recoveries in 24 h (limit %d)",
				st.IssuedLastHour, l.PerHour, st.RecoveriesLast24h, l.RecoveriesPerDay), "")
		}
	}
	if t.SecurityMailbox == "" && !t.RealGraph {
		r.add("security mailbox", OK, "none; with the emulator, alerts are only audited", "")
	} else if t.SecurityMailbox == "" {
		r.add("security mailbox", Warn, "none: security alerts (an issuance pause) are only audited",
			"set --security-mailbox / TAPFLOW_SECURITY_MAILBOX to the security team's mailbox")
	} else {
		r.add("security mailbox", OK, "alerts go to "+t.SecurityMailbox, "")
	}
}
