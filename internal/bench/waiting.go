package bench

import (
	"context"
	"fmt"
	"math"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/workflows"
)

// waiting delivers passes to o.Waiting joiners, then, for o.PollRounds poll intervals, counts their
// registration polls, the worker's memory and whether their histories grow. The run ends with them waiting.
func (r *run) waiting(ctx context.Context, o Options) error {
	r.log.Info("waiting joiners", "count", o.Waiting, "poll interval", o.PollInterval, "rounds", o.PollRounds)
	before, _, err := r.counts(ctx)
	if err != nil {
		return err
	}
	step := time.Now()
	users, err := r.addUsers(ctx, "W", o.Waiting)
	if err != nil {
		return err
	}
	r.log.Info("waiting joiners: users added", "seconds", since(&step))
	if _, err := r.hire(ctx, "W", users, 0); err != nil {
		return err
	}
	r.log.Info("waiting joiners: hired", "seconds", since(&step))
	if _, err := r.waitFor(ctx, before, kindMail, float64(o.Waiting)); err != nil {
		return err
	}
	r.log.Info("waiting joiners: passes delivered", "seconds", since(&step))
	sample := min(o.Waiting, 20)
	// The mail goes out inside the issuing activity: wait until the sampled journeys have settled into their
	// wait (their first look, one poll interval after delivery, is in history) before counting. The sample is
	// the first hired, whose first look is long past in a run of thousands. Those delivered in the last interval
	// make their first look inside the window (a timer's workflow task, then the look): the window counts them
	// apart, as workflow tasks.
	if err := r.settled(ctx, "W", sample); err != nil {
		return err
	}
	r.log.Info("waiting joiners: sample settled", "seconds", since(&step))
	eventsBefore, err := r.events(ctx, "W", sample)
	if err != nil {
		return err
	}
	fams0, err := r.child.metrics(ctx)
	if err != nil {
		return err
	}
	if workflowTasks(fams0) == 0 {
		return fmt.Errorf("the worker's metrics count no workflow tasks (temporal_workflow_task_execution_latency_seconds)")
	}
	cpu0 := r.cpu()
	began := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(o.PollRounds) * o.PollInterval):
	}
	fams1, err := r.child.metrics(ctx)
	if err != nil {
		return err
	}
	polls := pollRequests(fams1) - pollRequests(fams0)
	r.res.PollsPerWaitingJoinerHour = polls / float64(o.Waiting) / time.Since(began).Hours()
	if polls > 0 {
		r.res.PollCPU = r.cpu().minus(cpu0).per(int(polls))
		r.res.FirstLooksInWindow = (workflowTasks(fams1) - workflowTasks(fams0)) / polls
	}
	r.res.RSSMiBWaiting, _ = r.child.rss()
	if err := r.heapWaiting(ctx); err != nil {
		return err
	}
	r.res.RSSMiBPeak = max(r.res.RSSMiBPeak, peakOf(r.child))
	eventsAfter, err := r.events(ctx, "W", sample)
	if err != nil {
		return err
	}
	r.res.HistoryGrowthWaiting = float64(eventsAfter-eventsBefore) / float64(sample)
	return nil
}

// since returns the whole seconds since *t and moves *t to now.
func since(t *time.Time) float64 {
	now := time.Now()
	d := now.Sub(*t)
	*t = now
	return math.Round(d.Seconds())
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
// ten ticks; the fast phase is measured until then, the slow one for one slow interval, in under a minute.
const DefaultAdaptiveTick = 2 * time.Second

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
	r.log.Info("adaptive schedule", "joiners", o.Adaptive, "tick", tick, "namespace", adaptiveNamespace)
	ad := lane{emu: r.emu}
	var err error
	if ad.c, err = client.NewClientFromExisting(r.c, client.Options{Namespace: adaptiveNamespace}); err != nil {
		return fmt.Errorf("client for namespace %s: %w", adaptiveNamespace, err)
	}
	defer ad.c.Close()
	if ad.child, err = r.startWorker(ctx, ad.c, map[string]string{"TEMPORAL_NAMESPACE": adaptiveNamespace,
		"TAPFLOW_POLL_INTERVAL": seconds(compressedFast), "TAPFLOW_POLL_SLOW_AFTER": seconds(compressedSlowAfter),
		"TAPFLOW_POLL_SLOW_INTERVAL": seconds(compressedSlow)}); err != nil {
		return err
	}
	defer ad.child.stop()
	before, _, err := ad.counts(ctx)
	if err != nil {
		return err
	}
	users, err := ad.addUsers(ctx, "A", o.Adaptive)
	if err != nil {
		return err
	}
	began := time.Now()
	if _, err := ad.hire(ctx, "A", users, 0); err != nil {
		return err
	}
	delivered, err := ad.waitFor(ctx, before, kindMail, float64(o.Adaptive))
	if err != nil {
		return err
	}
	// Every pass went out between began and delivered: all are fresh until began plus the slow-down point, and
	// all are slow from delivered plus that.
	fastEnd := began.Add(compressedSlowAfter)
	if fastEnd.Sub(delivered) < 5*compressedFast/3 {
		return fmt.Errorf("the adaptive phase's passes took %s to go out, too long to see their fast phase (%s): "+
			"measure fewer with --adaptive", delivered.Sub(began), compressedSlowAfter)
	}
	fast, err := ad.pollRate(ctx, delivered, fastEnd, o.Adaptive)
	if err != nil {
		return err
	}
	// One slow interval: each joiner, past its slow-down point, looks once in it.
	slowStart := delivered.Add(compressedSlowAfter + time.Second)
	slow, err := ad.pollRate(ctx, slowStart, slowStart.Add(compressedSlow), o.Adaptive)
	if err != nil {
		return err
	}
	if fast == 0 {
		return fmt.Errorf("no poll of the %d adaptive joiners was counted in their fast phase (%s)", o.Adaptive, fastEnd.Sub(delivered))
	}
	r.res.AdaptiveSlowToFast = slow / fast
	// Their journeys end here, so the lane's server work stops with its worker.
	return parallel(o.Adaptive, func(i int) error {
		return ad.c.TerminateWorkflow(ctx, workflows.EmployeeWorkflowID(fmt.Sprintf("A%05d", i)), "", "benchmark phase over")
	})
}

// lifetimePolls applies the adaptive schedule's measured slow/fast ratio to the default schedule: the first hour
// at the fixed interval's rate (measured with the waiting joiners, when they ran), the rest of an 8-hour pass
// slower. It gives polls per joiner per hour over a pass's life, fixed against adaptive.
func (r *run) lifetimePolls(o Options) {
	d := activities.DefaultJoinerSettings()
	life := time.Duration(d.LifetimeMinutes) * time.Minute
	fixed := r.res.PollsPerWaitingJoinerHour
	if fixed == 0 {
		fixed = float64(time.Hour / o.PollInterval)
	}
	r.res.PollsFixedLifetimeHour = fixed
	r.res.PollsAdaptiveLifetimeHour = fixed * (d.PollSlowAfter.Hours() + (life-d.PollSlowAfter).Hours()*r.res.AdaptiveSlowToFast) / life.Hours()
}

// pollRate counts polls between from and to (waiting as needed) per joiner per second.
func (r *lane) pollRate(ctx context.Context, from, to time.Time, joiners int) (float64, error) {
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

// settled waits until the first n joiners of a phase are awaiting registration and have made their first look.
func (r *lane) settled(ctx context.Context, prefix string, n int) error {
	for i := 0; i < n; i++ {
		for {
			st, err := r.status(ctx, fmt.Sprintf("%s%05d", prefix, i))
			if err != nil {
				return err
			}
			if st.Journey != nil && st.Journey.Stage == workflows.StageAwaitingRegistration {
				looking, err := firstLookScheduled(ctx, r.c, workflows.EmployeeWorkflowID(fmt.Sprintf("%s%05d", prefix, i)))
				if err != nil {
					return err
				}
				if looking {
					break
				}
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

// heapWaiting reads the worker's Go heap in use and goroutines from its metrics and, when profiling, has it write
// a heap profile.
func (r *run) heapWaiting(ctx context.Context) error {
	fams, err := r.child.metrics(ctx)
	if err != nil {
		return err
	}
	r.res.HeapMiBWaiting = gauge(fams, "go_memstats_heap_inuse_bytes") / (1 << 20)
	r.res.GoroutinesWaiting = gauge(fams, "go_goroutines")
	if r.o.ProfileDir == "" {
		return nil
	}
	if err := r.child.heapProfile(ctx); err != nil { // a missing profile costs no figure
		r.log.Warn("no heap profile of the worker", "err", err)
	}
	return nil
}
