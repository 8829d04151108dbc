package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// waitForStart sleeps until the pass is due: the first morning less the lead, the next working morning after an
// expiry, or now for a reissue. A start date change wakes it to aim again.
func (r *joiner) waitForStart(ctx workflow.Context) error {
	for {
		if r.w.dateChanges != r.seenDates {
			r.issueNow, r.nextMorning = false, false // a new start date wins over a reissue's morning
		}
		r.seenDates = r.w.dateChanges
		issueAt, usable, err := r.target(ctx)
		if err != nil {
			return err
		}
		r.usableFrom, r.j.Scheduled = usable, usable
		wait := issueAt.Sub(workflow.Now(ctx))
		if wait <= 0 && r.lean && r.j.Stage == StagePreflight {
			return nil // straight from pre-flight with nothing to wait for: the next stage is the one worth writing
		}
		r.stage(ctx, StageWaitingForStart)
		if wait <= 0 {
			return nil
		}
		moved, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return r.w.dateChanges != r.seenDates })
		if err != nil {
			return err
		}
		if !moved {
			return nil
		}
		r.issueNow, r.nextMorning = false, false
	}
}

// zoneResult carries a zone computation through a side effect.
type zoneResult struct {
	At  time.Time `json:"at"`
	Err string    `json:"err,omitempty"`
}

// target is when to issue and when the pass becomes usable. Zone arithmetic runs as a side effect, so its
// answer is recorded: a worker with other zone rules replays the same timer.
func (r *joiner) target(ctx workflow.Context) (issueAt, usable time.Time, err error) {
	now := workflow.Now(ctx)
	if r.issueNow {
		return now, now, nil
	}
	date, startTime, zone, next := r.j.StartDate, r.j.StartTime, r.j.TimeZone, r.nextMorning
	var res zoneResult
	err = workflow.SideEffect(ctx, func(workflow.Context) any {
		var at time.Time
		var err error
		if next {
			at, err = NextWorkingMorning(now, startTime, zone)
		} else {
			at, err = hrevent.FirstMorning(date, startTime, zone)
		}
		if err != nil {
			return zoneResult{Err: err.Error()}
		}
		return zoneResult{At: at.UTC()}
	}).Get(&res)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if res.Err != "" {
		return time.Time{}, time.Time{}, temporal.NewNonRetryableApplicationError(
			"the start date and time cannot be read: "+res.Err, "InvalidStart", nil)
	}
	return res.At.Add(-r.j.Settings.StartLead), res.At, nil
}

// NextWorkingMorning is the next Monday-to-Friday start time after now, in the employee's zone.
func NextWorkingMorning(now time.Time, startTime, zone string) (time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, err
	}
	day := now.In(loc).AddDate(0, 0, 1)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	return hrevent.FirstMorning(day.Format("2006-01-02"), startTime, zone)
}
