package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/watch"
)

// watchNamespace holds the tenant watch phase's joiners, served by a worker process of its own.
const watchNamespace = "tapflow-bench-watch"

// watchRevokes is how many of the watch phase's joiners register (without the hint) for the latency figure.
const watchRevokes = 200

// watchPhase takes K joiners to their wait with the tenant watch on and, once they are in a steady wait (every
// first look made, the hires' burst of passes older than the watch's overlap), counts over the per-user phase's
// window every Graph read the worker makes (the watch's log reads, any poll) and the CPU used; the
// safety net's looks, every 30 minutes, fall outside a window of minutes, so they are added at their rate
// (K per safety-net interval) and, for CPU, at the per-user phase's measured cost of a look. Then some of them
// register without the hint, and the time until each pass is revoked is measured through the emulator's
// ingestion delay (its default, 60-120 s) and the watch's interval.
func (r *run) watchPhase(ctx context.Context, o Options) error {
	r.log.Info("tenant watch", "joiners", o.Waiting, "namespace", watchNamespace)
	wl := lane{emu: r.emu}
	var err error
	if wl.c, err = client.NewClientFromExisting(r.c, client.Options{Namespace: watchNamespace}); err != nil {
		return fmt.Errorf("client for namespace %s: %w", watchNamespace, err)
	}
	defer wl.c.Close()
	// The overlap covers the emulator's ingestion delay (at most 2 minutes by default) with a minute to spare.
	env := map[string]string{"TEMPORAL_NAMESPACE": watchNamespace, "TAPFLOW_TENANT_WATCH": "true",
		"TAPFLOW_POLL_INTERVAL": o.PollInterval.String(), "TAPFLOW_TENANT_WATCH_OVERLAP": seconds(watchOverlap(o))}
	if o.WatchInterval > 0 {
		env["TAPFLOW_TENANT_WATCH_INTERVAL"] = o.WatchInterval.String()
	}
	if wl.child, err = r.startWorker(ctx, wl.c, env); err != nil {
		return err
	}
	defer wl.child.stop()
	users, err := wl.addUsers(ctx, "V", o.Waiting)
	if err != nil {
		return err
	}
	before, _, err := wl.counts(ctx)
	if err != nil {
		return err
	}
	if _, err := wl.hire(ctx, "V", users, 0); err != nil {
		return err
	}
	delivered, err := wl.waitFor(ctx, before, kindMail, float64(o.Waiting))
	if err != nil {
		return err
	}
	if err := wl.settled(ctx, "V", min(o.Waiting, 20)); err != nil {
		return err
	}
	// Steady state: every joiner's first look made (one poll interval after its delivery), and the burst of
	// passes the hires created older than the overlap, so the watch's reads no longer page through them.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(delivered.Add(max(o.PollInterval, watchOverlap(o)) + 15*time.Second))):
	}
	if err := watchHealthy(ctx, wl.c); err != nil {
		return err
	}
	if err := r.watchWindow(ctx, &wl, o); err != nil {
		return err
	}
	return r.watchLatency(ctx, &wl, users[:min(watchRevokes, len(users))])
}

// watchHealthy waits until the watch has read the logs.
func watchHealthy(ctx context.Context, c client.Client) error {
	for {
		if st, ok := watch.Ask(ctx, c); ok && st.Fresh(time.Now()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the tenant watch never read the logs: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// watchWindow counts the Graph reads and the CPU of the watch lane's waiting joiners over the per-user phase's
// window, or two of the watch's intervals if that is longer (the window must hold its reads).
func (r *run) watchWindow(ctx context.Context, wl *lane, o Options) error {
	c0, _, err := wl.counts(ctx)
	if err != nil {
		return err
	}
	cpu0 := laneCPU(wl)
	began := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(max(time.Duration(o.PollRounds)*o.PollInterval, 2*watchInterval(o))):
	}
	c1, _, err := wl.counts(ctx)
	if err != nil {
		return err
	}
	hours := time.Since(began).Hours()
	used := laneCPU(wl).minus(cpu0)
	var reads float64
	for _, v := range diff(c1, c0) {
		reads += v
	}
	net := activities.DefaultWatchSettings().SafetyNet
	r.res.WatchJoiners = o.Waiting
	r.res.WatchMeasuredReadsPerHour = reads / hours
	r.res.WatchSafetyNetReadsPerHour = float64(o.Waiting) * float64(time.Hour) / float64(net)
	r.res.WatchMeasuredCPUPerJoinerHour = used.per(o.Waiting)
	r.res.WatchMeasuredCPUPerJoinerHour.Server /= hours
	r.res.WatchMeasuredCPUPerJoinerHour.Worker /= hours
	return nil
}

// laneCPU is the CPU time used so far by this process (the server) and the lane's worker process.
func laneCPU(l *lane) CPU {
	return CPU{Server: cpuOf("/proc/self/stat") * 1000, Worker: cpuOf(fmt.Sprintf("/proc/%d/stat", l.child.cmd.Process.Pid)) * 1000}
}

// watchLatency registers a passkey for each user without the hint, all at once, and measures the time until
// each pass is revoked: the logs' ingestion delay, the watch's interval, the journey's confirming look.
func (r *run) watchLatency(ctx context.Context, wl *lane, users []string) error {
	registered := make([]time.Time, len(users))
	if err := parallel(len(users), func(i int) error {
		registered[i] = time.Now()
		return wl.registerOne(ctx, fmt.Sprintf("V%05d", i), users[i], false)
	}); err != nil {
		return err
	}
	took := make([]float64, len(users))
	if err := parallel(len(users), func(i int) error {
		j, err := wl.revokedJourney(ctx, fmt.Sprintf("V%05d", i))
		if err != nil {
			return err
		}
		took[i] = j.Revoked.Sub(registered[i]).Seconds()
		return nil
	}); err != nil {
		return err
	}
	took = sortedCopy(took)
	r.res.WatchRevokeP50s, r.res.WatchRevokeP95s = percentile(took, 50), percentile(took, 95)
	// The lane's work ends here: its watch stops reading, and the joiners' next looks are half an hour away.
	return wl.c.TerminateWorkflow(ctx, watch.WorkflowID, "", "benchmark phase over")
}

// watchRatios sets the watch's figures against the per-user phase's (measured after it): reads per hour for
// the K waiting, and server CPU per waiting joiner-hour, the safety net's looks at the per-user look's cost.
func (r *run) watchRatios() {
	res := &r.res
	if res.WatchJoiners == 0 || res.PollsPerWaitingJoinerHour == 0 {
		return
	}
	net := activities.DefaultWatchSettings().SafetyNet
	netPerJoinerHour := float64(time.Hour) / float64(net)
	res.PerUserReadsPerHour = res.PollsPerWaitingJoinerHour * float64(res.Waiting)
	res.WatchReadsPerHour = res.WatchMeasuredReadsPerHour + res.WatchSafetyNetReadsPerHour
	res.WatchReadsRatio = res.PerUserReadsPerHour / res.WatchReadsPerHour
	res.PerUserServerCPUPerJoinerHour = res.PollCPU.Server * res.PollsPerWaitingJoinerHour
	res.WatchServerCPUPerJoinerHour = res.WatchMeasuredCPUPerJoinerHour.Server + res.PollCPU.Server*netPerJoinerHour
	if res.WatchServerCPUPerJoinerHour > 0 {
		res.WatchServerCPURatio = res.PerUserServerCPUPerJoinerHour / res.WatchServerCPUPerJoinerHour
	}
}

// watchInterval is the watch lane's interval.
func watchInterval(o Options) time.Duration {
	if o.WatchInterval > 0 {
		return o.WatchInterval
	}
	return activities.DefaultWatchSettings().Interval
}

// watchOverlap is the watch lane's overlap: the emulator's longest ingestion delay and a minute.
func watchOverlap(o Options) time.Duration {
	longest := 2 * time.Minute
	if o.LogDelay[1] > 0 {
		longest = o.LogDelay[1]
	}
	return longest + time.Minute
}
