// Package bench measures tapflow against the Temporal engine it runs on: a baseline of no-op workflows with a
// joiner's activity round trips, then joiners through the real intake path, all on the embedded server and the
// Graph emulator in this process. `go run ./starter bench` runs it.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tapflow/tapflow/internal/devserver"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/workflows"
)

// Options sizes a run.
type Options struct {
	Joiners      int           // joiners taken from intake to revoke
	Waiting      int           // joiners left waiting to register while polls are counted
	PollInterval time.Duration // the registration poll interval
	PollRounds   int           // poll intervals the waiting joiners are watched for
	DataDir      string        // a directory for the server's SQLite file; "" keeps it in memory
	Postgres     string        // a PostgreSQL server (DSN) to keep the state in instead: a fresh database, dropped after
	Shards       int           // history shards; default 1
	Timeout      time.Duration // the whole run's bound
}

// Result is what a run measured. The JSON keys are the benchmark's published interface.
type Result struct {
	Store                     string             `json:"store"` // memory, sqlite or postgresql
	HistoryShards             int                `json:"history_shards"`
	Joiners                   int                `json:"joiners"`
	Waiting                   int                `json:"waiting"`
	ActivitiesToDelivery      int                `json:"activities_to_delivery"`
	BaselineWPS               float64            `json:"baseline_wps"`
	JoinerWPS                 float64            `json:"joiner_wps"`
	JoinerToRevokeWPS         float64            `json:"joiner_to_revoke_wps"`
	Ratio                     float64            `json:"ratio"`
	DeliveredP50ms            float64            `json:"delivered_p50_ms"`
	DeliveredP95ms            float64            `json:"delivered_p95_ms"`
	DeliveredP99ms            float64            `json:"delivered_p99_ms"`
	GraphRequestsPerJoiner    float64            `json:"graph_requests_per_joiner"`
	GraphRequestsByKind       map[string]float64 `json:"graph_requests_by_kind"`   // polls included
	PollRequestsPerJoiner     float64            `json:"poll_requests_per_joiner"` // the registration polls among them
	HistoryEventsPerJoiner    float64            `json:"history_events_per_joiner"`
	RSSMiBPeak                float64            `json:"rss_mib_peak"`
	RSSMiBWaiting             float64            `json:"rss_mib_waiting"`
	PollsPerWaitingJoinerHour float64            `json:"polls_per_waiting_joiner_hour"`
}

// Run starts the stack, measures, and stops it.
func Run(ctx context.Context, o Options, log *slog.Logger) (Result, error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	if o.Shards < 1 {
		o.Shards = 1
	}
	cfg := stack.Config{Temporal: temporalclient.Config{Namespace: "default"}, DevTemporalAddress: "127.0.0.1:0",
		EmulatorAddress: "127.0.0.1:0", HTTPAddress: "127.0.0.1:0", DataDir: o.DataDir, InMemory: o.DataDir == "",
		DevHistoryShards: o.Shards}
	store := "memory"
	switch {
	case o.Postgres != "":
		dsn, err := devserver.FreshPostgres(o.Postgres, "tapflow_bench")
		if err != nil {
			return Result{}, err
		}
		cfg.DevPostgres, store = dsn, "postgresql"
		defer func() {
			if err := devserver.DropPostgres(dsn); err != nil {
				log.Warn("the benchmark's databases were not dropped", "err", err)
			}
		}()
	case o.DataDir != "":
		store = "sqlite"
	}
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = o.PollInterval, true
	s, err := stack.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return Result{}, fmt.Errorf("start the embedded stack: %w", err)
	}
	defer s.Stop()
	r := &run{s: s, emu: s.EmulatorURL() + "/_emulator", log: log,
		res: Result{Store: store, HistoryShards: o.Shards, Joiners: o.Joiners, Waiting: o.Waiting}}
	if err := r.joiners(ctx, o.Joiners); err != nil {
		return r.res, err
	}
	log.Info("baseline", "workflows", o.Joiners, "activities each", r.res.ActivitiesToDelivery)
	if r.res.BaselineWPS, err = runBaseline(ctx, s.Client(), o.Joiners, r.res.ActivitiesToDelivery); err != nil {
		return r.res, err
	}
	r.res.Ratio = r.res.JoinerWPS / r.res.BaselineWPS
	if o.Waiting > 0 {
		if err := r.waiting(ctx, o); err != nil {
			return r.res, err
		}
	}
	_, r.res.RSSMiBPeak = rssMiB()
	return r.res, nil
}

type run struct {
	s   *stack.Stack
	emu string
	log *slog.Logger
	res Result
}

// hire adds n users to the emulator and hires each through intake; it returns the employee ids and the time
// each hire was accepted.
func (r *run) hire(ctx context.Context, prefix string, n int) ([]string, []time.Time, error) {
	ids, accepted := make([]string, n), make([]time.Time, n)
	today := time.Now().UTC().Format("2006-01-02")
	err := parallel(n, func(i int) error {
		var u struct{ ID string }
		emp := fmt.Sprintf("%s%05d", prefix, i)
		if err := postJSON(ctx, r.emu+"/users", fmt.Sprintf(`{"userPrincipalName":"%s@contoso.example","displayName":"Bench %s",`+
			`"employeeId":%q,"managerId":%q}`, emp, emp, emp, graphemu.DemoGraceHopperID), &u); err != nil {
			return err
		}
		_, err := intake.Submit(ctx, r.s.Client(), hrevent.Event{ID: "bench-" + emp, Type: hrevent.Hire, OccurredAt: time.Now().UTC(),
			Employee: hrevent.Employee{EmployeeID: emp, User: u.ID, TimeZone: "UTC", StartDate: today, StartTime: "00:00"}})
		ids[i], accepted[i] = u.ID, time.Now()
		return err
	})
	return ids, accepted, err
}

// waitFor polls the Graph request counters until kind reached want.
func (r *run) waitFor(ctx context.Context, before map[string]float64, kind string, want float64) (time.Time, error) {
	for {
		now, err := graphCounts(r.s.Metrics())
		if err != nil {
			return time.Time{}, err
		}
		if now[kind]-before[kind] >= want {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("waiting for %v %s (have %v): %w", want, kind, now[kind]-before[kind], ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// joiners takes n joiners from intake to delivery, then registers a method for each and waits for every revoke.
func (r *run) joiners(ctx context.Context, n int) error {
	before, err := graphCounts(r.s.Metrics())
	if err != nil {
		return err
	}
	pollsBefore, err := pollRequests(r.s.Metrics())
	if err != nil {
		return err
	}
	began := time.Now()
	r.log.Info("joiners", "count", n)
	users, accepted, err := r.hire(ctx, "J", n)
	if err != nil {
		return err
	}
	done, err := r.waitFor(ctx, before, kindMail, float64(n))
	if err != nil {
		return err
	}
	r.res.JoinerWPS = float64(n) / done.Sub(began).Seconds()
	delivered, err := r.deliveredLatencies(ctx, "J", accepted)
	if err != nil {
		return err
	}
	r.res.DeliveredP50ms, r.res.DeliveredP95ms, r.res.DeliveredP99ms = percentile(delivered, 50), percentile(delivered, 95), percentile(delivered, 99)

	regBegan := time.Now()
	if err := parallel(n, func(i int) error {
		return postJSON(ctx, r.emu+"/users/"+users[i]+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	}); err != nil {
		return err
	}
	revoked, err := r.waitFor(ctx, before, kindRevoked, float64(n))
	if err != nil {
		return err
	}
	r.res.JoinerToRevokeWPS = float64(n) / revoked.Sub(regBegan).Seconds()
	after, err := graphCounts(r.s.Metrics())
	if err != nil {
		return err
	}
	pollsAfter, err := pollRequests(r.s.Metrics())
	if err != nil {
		return err
	}
	r.res.GraphRequestsByKind = map[string]float64{}
	total := -(pollsAfter - pollsBefore) // registration polls are counted apart (the waiting phase)
	for k, v := range diff(after, before) {
		r.res.GraphRequestsByKind[k] = v / float64(n)
		total += v
	}
	r.res.PollRequestsPerJoiner = (pollsAfter - pollsBefore) / float64(n)
	r.res.GraphRequestsPerJoiner = total / float64(n)
	return r.histories(ctx, "J", n)
}

// deliveredLatencies queries each joiner's status for the time its pass went out.
func (r *run) deliveredLatencies(ctx context.Context, prefix string, accepted []time.Time) ([]float64, error) {
	out := make([]float64, len(accepted))
	var mu sync.Mutex
	err := parallel(len(accepted), func(i int) error {
		v, err := r.s.Client().QueryWorkflow(ctx, workflows.EmployeeWorkflowID(fmt.Sprintf("%s%05d", prefix, i)), "", workflows.QueryStatus)
		if err != nil {
			return err
		}
		var st workflows.Status
		if err := v.Get(&st); err != nil || st.Journey == nil || st.Journey.Issued.IsZero() {
			return fmt.Errorf("status of joiner %d: no issue time (%v)", i, err)
		}
		mu.Lock()
		out[i] = float64(max(0, st.Journey.Issued.Sub(accepted[i]).Milliseconds()))
		mu.Unlock()
		return nil
	})
	return sortedCopy(out), err
}

// histories averages history events over up to 50 joiners and records the activities to delivery.
func (r *run) histories(ctx context.Context, prefix string, n int) error {
	sample := min(n, 50)
	total := 0
	for i := 0; i < sample; i++ {
		events, toDelivery, err := historyEvents(ctx, r.s.Client(), workflows.EmployeeWorkflowID(fmt.Sprintf("%s%05d", prefix, i)))
		if err != nil {
			return err
		}
		total += events
		r.res.ActivitiesToDelivery = max(r.res.ActivitiesToDelivery, toDelivery)
	}
	r.res.HistoryEventsPerJoiner = float64(total) / float64(sample)
	return nil
}

// waiting delivers passes to o.Waiting joiners, then counts their registration polls for o.PollRounds intervals.
func (r *run) waiting(ctx context.Context, o Options) error {
	r.log.Info("waiting joiners", "count", o.Waiting, "poll interval", o.PollInterval, "rounds", o.PollRounds)
	before, err := graphCounts(r.s.Metrics())
	if err != nil {
		return err
	}
	if _, _, err := r.hire(ctx, "W", o.Waiting); err != nil {
		return err
	}
	if _, err := r.waitFor(ctx, before, kindMail, float64(o.Waiting)); err != nil {
		return err
	}
	start, err := graphCounts(r.s.Metrics())
	if err != nil {
		return err
	}
	window := time.Duration(o.PollRounds) * o.PollInterval
	began := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(window):
	}
	end, err := graphCounts(r.s.Metrics())
	if err != nil {
		return err
	}
	polls := end[kindPoll] - start[kindPoll]
	r.res.PollsPerWaitingJoinerHour = polls / float64(o.Waiting) / time.Since(began).Hours()
	r.res.RSSMiBWaiting, _ = rssMiB()
	return nil
}
