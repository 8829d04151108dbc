package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// When a pass is due. A joiner's first pass is due on the first morning: the start date and time in the
// employee's own time zone, less the configured lead (TAPFLOW_START_LEAD), and usable from the start itself. A
// pass after an unregistered expiry is due on the next working morning; a reissue, a mover's and a recovery's
// are due at once. A moved start date wakes the wait to aim again.

// awaitFirstMorning sleeps until the next pass is due. It writes the stage waiting_for_start only when there is
// something to wait for, or a stage other than pre-flight shows.
func (j *journey) awaitFirstMorning(ctx workflow.Context) error {
	for {
		if take(&j.news.dateMoved) {
			j.pass.issueNow, j.pass.nextMorning = false, false // a new start date wins over a reissue's morning
		}
		issueAt, usable, err := j.due(ctx)
		if err != nil {
			return err
		}
		j.pass.usableFrom, j.rec.Scheduled = usable, usable
		wait := issueAt.Sub(workflow.Now(ctx))
		if wait <= 0 && j.rec.Stage == StagePreflight {
			return nil // straight from pre-flight with nothing to wait for: the next stage is the one worth writing
		}
		j.stage(ctx, StageWaitingForStart)
		if wait <= 0 {
			return nil
		}
		moved, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return j.news.dateMoved })
		if err != nil || !moved {
			return err
		}
	}
}

// zoneResult carries a zone computation through a side effect.
type zoneResult struct {
	At  time.Time `json:"at"`
	Err string    `json:"err,omitempty"`
}

// due is when to issue the next pass and when it becomes usable. Zone arithmetic runs as a side effect, so its
// answer is recorded: a worker with other zone rules replays the same timer.
func (j *journey) due(ctx workflow.Context) (issueAt, usable time.Time, err error) {
	now := workflow.Now(ctx)
	if j.pass.issueNow {
		return now, now, nil
	}
	date, startTime, zone, next := j.rec.StartDate, j.rec.StartTime, j.rec.TimeZone, j.pass.nextMorning
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
			"the start date and time cannot be read: "+res.Err, errInvalidStart, nil)
	}
	return res.At.Add(-j.timing.StartLead), res.At, nil
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

// moveStart applies a start date change (or a hire's new date) to the running joiner journey: its wait aims
// again, or its live pass is revoked and the next one issued on the new morning.
func (w *employee) moveStart(e hrevent.Event) {
	j := w.journey
	if j == nil || j.rec.Kind != KindJoiner {
		w.record(e, EventAccepted, "no joiner journey is running: nothing to move")
		return
	}
	w.changeStart(e, "start date moved")
}

// changeStart sets the journey's new start and tells the journey.
func (w *employee) changeStart(e hrevent.Event, note string) {
	rec := w.journey.rec
	rec.StartDate = e.Employee.StartDate
	if e.Employee.StartTime != "" {
		rec.StartTime = e.Employee.StartTime
	}
	if e.Employee.TimeZone != "" {
		rec.TimeZone = e.Employee.TimeZone
	}
	w.journey.news.dateMoved = true
	w.record(e, EventAccepted, note)
}
