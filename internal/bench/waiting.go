package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/workflows"
)

// waiting delivers passes to o.Waiting joiners, then, for o.PollRounds poll intervals, counts their
// registration polls, the worker's memory and whether their histories grow. It terminates them afterwards, so
// later phases measure alone.
func (r *run) waiting(ctx context.Context, o Options) error {
	r.log.Info("waiting joiners", "count", o.Waiting, "poll interval", o.PollInterval, "rounds", o.PollRounds)
	before, _, err := r.counts(ctx)
	if err != nil {
		return err
	}
	if _, _, err := r.hire(ctx, "W", o.Waiting, 0); err != nil {
		return err
	}
	if _, err := r.waitFor(ctx, before, kindMail, float64(o.Waiting)); err != nil {
		return err
	}
	sample := min(o.Waiting, 20)
	// The mail goes out inside the issuing activity: wait until the sampled journeys have settled into their
	// wait (the activity's completion and the next workflow task are in history) before counting.
	if err := r.settled(ctx, "W", sample); err != nil {
		return err
	}
	eventsBefore, err := r.events(ctx, "W", sample)
	if err != nil {
		return err
	}
	_, polls0, err := r.counts(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(o.PollRounds) * o.PollInterval):
	}
	_, polls1, err := r.counts(ctx)
	if err != nil {
		return err
	}
	r.res.PollsPerWaitingJoinerHour = (polls1 - polls0) / float64(o.Waiting) / time.Since(began).Hours()
	r.res.RSSMiBWaiting, _ = r.child.rss()
	r.res.RSSMiBPeak = max(r.res.RSSMiBPeak, peakOf(r.child))
	eventsAfter, err := r.events(ctx, "W", sample)
	if err != nil {
		return err
	}
	r.res.HistoryGrowthWaiting = float64(eventsAfter-eventsBefore) / float64(sample)
	return parallel(o.Waiting, func(i int) error {
		return r.c.TerminateWorkflow(ctx, workflows.EmployeeWorkflowID(fmt.Sprintf("W%05d", i)), "", "benchmark phase over")
	})
}

// events sums the history events of the first n joiners of a phase.
func (r *run) events(ctx context.Context, prefix string, n int) (int, error) {
	total := 0
	for i := 0; i < n; i++ {
		e, _, err := historyEvents(ctx, r.c, workflows.EmployeeWorkflowID(fmt.Sprintf("%s%05d", prefix, i)))
		if err != nil {
			return 0, err
		}
		total += e
	}
	return total, nil
}

// DefaultAdaptiveTick stands for the default schedule's minute on the adaptive phase's compressed clock: the
// fast interval is one tick, the slow one ten (the defaults' 10 minutes to 1 minute), and passes slow down after
// ten ticks, so both phases are measured in about two minutes.
const DefaultAdaptiveTick = 3 * time.Second

// adaptive measures the adaptive schedule on a compressed clock: polls per joiner while the passes are fresh and
// once they are older than the slow-down point; the ratio of the two, applied to the default schedule (first
// hour at the measured first-hour rate, the rest of an 8-hour pass slower), gives polls per joiner per hour over
// a pass's life, beside the fixed interval's.
func (r *run) adaptive(ctx context.Context, o Options) error {
	tick := o.AdaptiveTick
	if tick <= 0 {
		tick = DefaultAdaptiveTick
	}
	compressedFast, compressedSlowAfter, compressedSlow := tick, 10*tick, 10*tick
	r.log.Info("adaptive schedule", "joiners", o.Adaptive, "tick", tick)
	if err := r.worker(ctx, map[string]string{"TAPFLOW_POLL_INTERVAL": seconds(compressedFast),
		"TAPFLOW_POLL_SLOW_AFTER": seconds(compressedSlowAfter), "TAPFLOW_POLL_SLOW_INTERVAL": seconds(compressedSlow)}); err != nil {
		return err
	}
	before, _, err := r.counts(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	if _, _, err := r.hire(ctx, "A", o.Adaptive, 0); err != nil {
		return err
	}
	delivered, err := r.waitFor(ctx, before, kindMail, float64(o.Adaptive))
	if err != nil {
		return err
	}
	// Every pass went out between began and delivered: all are fresh until began+30s, all slow from delivered+30s.
	fastEnd := began.Add(compressedSlowAfter)
	if fastEnd.Sub(delivered) < 5*compressedFast/3 {
		return fmt.Errorf("the adaptive phase's passes took %s to go out, too long to see their fast phase (%s): "+
			"measure fewer with --adaptive", delivered.Sub(began), compressedSlowAfter)
	}
	fast, err := r.pollRate(ctx, delivered, fastEnd, o.Adaptive)
	if err != nil {
		return err
	}
	slowStart := delivered.Add(compressedSlowAfter + time.Second)
	slow, err := r.pollRate(ctx, slowStart, slowStart.Add(2*compressedSlow), o.Adaptive)
	if err != nil {
		return err
	}
	r.res.AdaptiveSlowToFast = slow / fast
	d := activities.DefaultJoinerSettings()
	life := time.Duration(d.LifetimeMinutes) * time.Minute
	fixed := r.res.PollsPerWaitingJoinerHour
	if fixed == 0 {
		fixed = float64(time.Hour / o.PollInterval)
	}
	r.res.PollsFixedLifetimeHour = fixed
	r.res.PollsAdaptiveLifetimeHour = fixed * (d.PollSlowAfter.Hours() + (life-d.PollSlowAfter).Hours()*r.res.AdaptiveSlowToFast) / life.Hours()
	return nil
}

// pollRate counts polls between from and to (waiting as needed) per joiner per second.
func (r *run) pollRate(ctx context.Context, from, to time.Time, joiners int) (float64, error) {
	sleep := func(until time.Time) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(until)):
			return nil
		}
	}
	if err := sleep(from); err != nil {
		return 0, err
	}
	_, p0, err := r.counts(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := sleep(to); err != nil {
		return 0, err
	}
	_, p1, err := r.counts(ctx)
	if err != nil {
		return 0, err
	}
	return (p1 - p0) / float64(joiners) / time.Since(start).Seconds(), nil
}

// finished waits until the first joiners of a phase have ended their journeys (at most 50, as histories reads),
// then reads their histories.
func (r *run) finished(ctx context.Context, prefix string, n int) error {
	for i := 0; i < min(n, 50); i++ {
		for {
			st, err := r.status(ctx, fmt.Sprintf("%s%05d", prefix, i))
			if err != nil {
				return err
			}
			if st.Journey != nil && st.Journey.Outcome != "" {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("joiner %s%05d did not finish: %w", prefix, i, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return r.histories(ctx, prefix, n, true)
}

// settled waits until the first n joiners of a phase are awaiting registration.
func (r *run) settled(ctx context.Context, prefix string, n int) error {
	for i := 0; i < n; i++ {
		for {
			st, err := r.status(ctx, fmt.Sprintf("%s%05d", prefix, i))
			if err != nil {
				return err
			}
			if st.Journey != nil && st.Journey.Stage == workflows.StageAwaitingRegistration {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("joiner %s%05d did not settle into its wait: %w", prefix, i, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
