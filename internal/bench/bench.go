// Package bench measures tapflow against the Temporal engine it runs on: a baseline of no-op workflows with a
// joiner's activity round trips, then joiners through the real intake path. This process holds the embedded
// Temporal server, the Graph emulator and the client; the workers run in a child process, as in production, so
// their memory and metrics are their own. `go run ./starter bench` runs it.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/benchworker"
	"github.com/tapflow/tapflow/internal/devserver"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Options sizes a run.
type Options struct {
	Joiners        int               // joiners started at once, taken from intake to revoke (throughput)
	OfferedRate    float64           // joiners per second offered for the latency measurement
	OfferedSeconds int               // for this long
	Waiting        int               // joiners left waiting to register while polls are counted
	PollInterval   time.Duration     // the registration poll interval (the first hour's, on the adaptive schedule)
	PollRounds     int               // poll intervals the waiting joiners are watched for
	Rounds         int               // throughput rounds (joiners, then a baseline); the ratio is their median; default 1
	Adaptive       int               // joiners for the adaptive schedule's measurement (0: skip)
	Pickup         int               // joiners taken through the pickup link, invitation to reveal to revoke (0: skip)
	Watch          bool              // also take Waiting joiners to their wait with the tenant watch, to compare
	LogDelay       [2]time.Duration  // the emulator's log ingestion delay, min and max; zero: its default (60-120 s)
	WatchInterval  time.Duration     // the tenant watch's interval; zero: its default (1 minute)
	AdaptiveTick   time.Duration     // the compressed clock's stand-in for a minute; default DefaultAdaptiveTick
	DataDir        string            // a directory for the server's SQLite file; "" keeps it in memory
	Postgres       string            // a PostgreSQL server (DSN) to keep the state in instead: a fresh database, dropped after
	Shards         int               // history shards; default 1
	Timeout        time.Duration     // the whole run's bound
	ProfileDir     string            // when set, CPU profiles go there: server.pprof (this process), worker-N.pprof
	WorkerBinary   string            // the worker executable to start (in benchworker's mode); "" runs this one again
	WorkerEnv      map[string]string // more settings for the worker processes (TAPFLOW_*, GOGC, ...)
}

// Result is what a run measured. The JSON keys are the benchmark's published interface.
type Result struct {
	Store                         string             `json:"store"` // memory, sqlite or postgresql
	HistoryShards                 int                `json:"history_shards"`
	WorkerBinary                  string             `json:"worker_binary"` // the worker process's executable
	Joiners                       int                `json:"joiners"`
	Waiting                       int                `json:"waiting"`
	ActivitiesToDelivery          Shape              `json:"activities_to_delivery"`    // the baseline runs as many
	BaselineWPS                   float64            `json:"baseline_wps"`              // the mean of the runs before and after the joiners
	BaselineCPU                   CPU                `json:"baseline_cpu_ms"`           // per workflow, both runs
	JoinerCPU                     CPU                `json:"joiner_cpu_ms"`             // per joiner, intake to delivered
	PollCPU                       CPU                `json:"poll_cpu_ms"`               // per registration poll, while K wait
	FirstLooksInWindow            float64            `json:"first_looks_share_waiting"` // workflow tasks per poll in that window: first looks, with their timer's task
	BaselineBeforeWPS             float64            `json:"baseline_before_wps"`
	BaselineAfterWPS              float64            `json:"baseline_after_wps"`
	JoinerWPS                     float64            `json:"joiner_wps"`
	JoinerToRevokeWPS             float64            `json:"joiner_to_revoke_wps"`
	Ratio                         float64            `json:"ratio"`            // the rounds' median
	Ratios                        []float64          `json:"ratios,omitempty"` // each round's
	BurstP50ms                    float64            `json:"burst_p50_ms"`     // intake to delivered, all N at once
	BurstP95ms                    float64            `json:"burst_p95_ms"`
	BurstP99ms                    float64            `json:"burst_p99_ms"`
	BurstMaxMs                    float64            `json:"burst_max_ms"`
	OfferedRate                   float64            `json:"offered_rate"` // joiners per second for the delivered_* figures
	OfferedJoiners                int                `json:"offered_joiners"`
	DeliveredP50ms                float64            `json:"delivered_p50_ms"`
	DeliveredP95ms                float64            `json:"delivered_p95_ms"`
	DeliveredP99ms                float64            `json:"delivered_p99_ms"`
	GraphRequestsPerJoiner        float64            `json:"graph_requests_per_joiner"`
	GraphRequestsByKind           map[string]float64 `json:"graph_requests_by_kind"`   // polls included
	PollRequestsPerJoiner         float64            `json:"poll_requests_per_joiner"` // the registration polls among them
	HistoryEventsPerJoiner        float64            `json:"history_events_per_joiner"`
	HistoryGrowthWaiting          float64            `json:"history_events_growth_while_waiting"` // per waiting joiner
	RSSMiBPeak                    float64            `json:"rss_mib_peak"`                        // the worker process
	RSSMiBWaiting                 float64            `json:"rss_mib_waiting"`                     // the worker process, K waiting
	HeapMiBWaiting                float64            `json:"heap_inuse_mib_waiting"`              // its Go heap in use then
	GoroutinesWaiting             float64            `json:"goroutines_waiting"`                  // and its goroutines
	ServerRSSMiBPeak              float64            `json:"server_rss_mib_peak"`                 // this process: server and emulator
	PollsPerWaitingJoinerHour     float64            `json:"polls_per_waiting_joiner_hour"`       // first hour, measured
	AdaptiveSlowToFast            float64            `json:"adaptive_slow_to_fast"`               // measured, compressed schedule
	PollsAdaptiveLifetimeHour     float64            `json:"polls_per_joiner_hour_adaptive"`      // over an 8-hour pass
	PollsFixedLifetimeHour        float64            `json:"polls_per_joiner_hour_fixed"`         // the same, fixed interval
	WatchJoiners                  int                `json:"watch_joiners"`
	WatchMeasuredReadsPerHour     float64            `json:"watch_measured_reads_per_hour"`         // the watch lane's worker, over the window
	WatchSafetyNetReadsPerHour    float64            `json:"watch_safety_net_reads_per_hour"`       // K looks per safety-net interval
	WatchMeasuredCPUPerJoinerHour CPU                `json:"watch_measured_cpu_ms_per_joiner_hour"` // over the window
	WatchReadsPerHour             float64            `json:"watch_reads_per_hour"`                  // measured plus the safety net
	PerUserReadsPerHour           float64            `json:"per_user_reads_per_hour"`               // the per-user phase's polls, K waiting
	WatchReadsRatio               float64            `json:"watch_reads_ratio"`                     // per-user / watch
	PerUserServerCPUPerJoinerHour float64            `json:"per_user_server_cpu_ms_per_joiner_hour"`
	WatchServerCPUPerJoinerHour   float64            `json:"watch_server_cpu_ms_per_joiner_hour"`
	WatchServerCPURatio           float64            `json:"watch_server_cpu_ratio"`             // per-user / watch
	WatchRevokeP50s               float64            `json:"watch_registration_to_revoke_p50_s"` // no hint: the logs' delay and the interval
	WatchRevokeP95s               float64            `json:"watch_registration_to_revoke_p95_s"`
	PickupJoiners                 int                `json:"pickup_joiners"`
	PickupGraphRequestsPerJoiner  float64            `json:"pickup_graph_requests_per_joiner"` // the workers', up to the reveal
	PickupGraphByKind             map[string]float64 `json:"pickup_graph_requests_by_kind"`
	PickupRevealP50ms             float64            `json:"pickup_reveal_p50_ms"` // the reveal's POST: pass created and shown
	PickupRevealP95ms             float64            `json:"pickup_reveal_p95_ms"`
	PickupLiveP50ms               float64            `json:"pickup_live_p50_ms"` // a pass's live time: reveal to revoke, registered at once
	PickupLiveP95ms               float64            `json:"pickup_live_p95_ms"`
	Seconds                       float64            `json:"seconds"`
}

// Run starts the server, the emulator and the worker process, measures, and stops them.
func Run(ctx context.Context, o Options, log *slog.Logger) (res Result, err error) {
	began := time.Now()
	if o.WorkerBinary != "" {
		abs, err := filepath.Abs(o.WorkerBinary) // a bare name is a file here, not a command on PATH
		if err != nil {
			return Result{}, fmt.Errorf("worker binary: %w", err)
		}
		if err := checkWorkerBinary(abs); err != nil {
			return Result{}, err
		}
		o.WorkerBinary = abs
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	if o.ProfileDir != "" {
		stop, err := benchworker.StartCPUProfile(filepath.Join(o.ProfileDir, "server.pprof"))
		if err != nil {
			return Result{}, err
		}
		defer stop()
	}
	r, err := setUp(ctx, o, log)
	if err != nil {
		return Result{}, err
	}
	r.o, r.res.WorkerBinary = o, filepath.Base(o.WorkerBinary)
	if o.WorkerBinary == "" {
		r.res.WorkerBinary = "this executable"
	}
	defer r.tearDown()
	defer func() { res, res.Seconds = r.res, time.Since(began).Seconds() }()
	if r.child, err = r.startWorker(ctx, r.c, map[string]string{"TAPFLOW_POLL_INTERVAL": o.PollInterval.String()}); err != nil {
		return r.res, err
	}
	// A few joiners first: they warm the server and the worker up and give the baseline its shape. The baseline
	// then runs before and after the joiners, and the ratio takes their mean, so a drift of the machine or of
	// the growing database over the run does not fall on one side only. The adaptive phase runs in a namespace
	// and a worker process of its own; the waiting joiners come last, so nothing has to end their journeys.
	offered := o.OfferedRate > 0 && o.OfferedSeconds > 0
	phases := append([]phase{{"warm-up", true, func() error { return r.warmUp(ctx, min(o.Joiners, 50)) }}}, r.ratioPhases(ctx, o)...)
	phases = append(phases, []phase{
		{"offered load", offered, func() error { return r.offered(ctx, o.OfferedRate, o.OfferedSeconds) }},
		{"adaptive schedule", o.Adaptive > 0, func() error { return r.adaptive(ctx, o) }},
		{"pickup link", o.Pickup > 0, func() error { return r.pickupPhase(ctx, o.Pickup) }},
		{"tenant watch", o.Waiting > 0 && o.Watch, func() error { return r.watchPhase(ctx, o) }},
		// The happy path's history: registered, seen by a poll, revoked by that look.
		{"happy-path histories", offered, func() error { return r.finished(ctx, "O", r.res.OfferedJoiners) }},
		{"waiting joiners", o.Waiting > 0, func() error { return r.waiting(ctx, o) }},
	}...)
	for _, p := range phases {
		if !p.on {
			continue
		}
		t := time.Now()
		if err := p.run(); err != nil {
			return r.res, fmt.Errorf("%s: %w", p.name, err)
		}
		log.Info("phase done", "phase", p.name, "seconds", math.Round(time.Since(t).Seconds()))
	}
	if o.Adaptive > 0 {
		r.lifetimePolls(o)
	}
	r.watchRatios()
	_, r.res.ServerRSSMiBPeak = rssMiB()
	return r.res, nil
}

// run is one benchmark: the server, the emulator and the client here, the worker in a child process.
type run struct {
	lane        // the default namespace, served by the main worker process
	o           Options
	log         *slog.Logger
	srv         *devserver.Server
	emuSrv      *http.Server
	graph       string // the emulator's Graph base URL
	workers     int    // worker processes started
	baselineCPU CPU    // used by the baseline's runs so far
	baselineN   int    // their workflows
	stops       []func()
	res         Result
}

// baseline runs n baseline workflows with the joiners' shape on the main worker process; the baseline's CPU per
// workflow is over all its runs.
func (r *run) baseline(ctx context.Context, n int) (float64, error) {
	r.log.Info("baseline", "workflows", n, "activities each", r.res.ActivitiesToDelivery.Activities,
		"local activities each", r.res.ActivitiesToDelivery.Local)
	before := r.cpu()
	wps, err := runBaseline(ctx, r.c, n, r.res.ActivitiesToDelivery)
	used := r.cpu().minus(before)
	r.baselineCPU, r.baselineN = CPU{Server: r.baselineCPU.Server + used.Server, Worker: r.baselineCPU.Worker + used.Worker}, r.baselineN+n
	r.res.BaselineCPU = r.baselineCPU.per(r.baselineN)
	return wps, err
}

// lane is a namespace, a client for it and the worker process that serves it. The adaptive phase has a lane of
// its own, so its compressed clock touches no other phase's joiners and its polls are counted apart.
type lane struct {
	c        client.Client
	child    *child
	emu      string // the emulator's control API
	personal bool   // hires carry a personal address (the pickup code goes there)
}

// adaptiveNamespace holds the adaptive phase's joiners.
const adaptiveNamespace = "tapflow-bench-adaptive"

func setUp(ctx context.Context, o Options, log *slog.Logger) (_ *run, err error) {
	r := &run{log: log, res: Result{Store: "memory", HistoryShards: max(o.Shards, 1), Joiners: o.Joiners, Waiting: o.Waiting}}
	defer func() {
		if err != nil {
			r.tearDown()
		}
	}()
	so := devserver.Options{Address: "127.0.0.1:0", DBFile: "", HistoryShards: r.res.HistoryShards,
		SearchAttributes: searchattr.Definitions(), MoreNamespaces: []string{adaptiveNamespace, pickupNamespace, watchNamespace}}
	switch {
	case o.Postgres != "":
		dsn, err := devserver.FreshPostgres(o.Postgres, "tapflow_bench")
		if err != nil {
			return nil, err
		}
		so.Postgres, r.res.Store = dsn, "postgresql"
		r.stops = append(r.stops, func() {
			if err := devserver.DropPostgres(dsn); err != nil {
				log.Warn("the benchmark's databases were not dropped", "err", err)
			}
		})
	case o.DataDir != "":
		so.DBFile, r.res.Store = o.DataDir+"/temporal.db", "sqlite"
	}
	if r.srv, err = devserver.Start(ctx, so); err != nil {
		return nil, fmt.Errorf("start the embedded Temporal server: %w", err)
	}
	r.stops = append(r.stops, func() { _ = r.srv.Stop() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the Graph emulator: %w", err)
	}
	eo := graphemu.Options{Seed: graphemu.DemoSeed()}
	if o.LogDelay[1] > 0 {
		logs := graphemu.DefaultLogOptions()
		logs.IngestionDelayMin, logs.IngestionDelayMax = o.LogDelay[0], o.LogDelay[1]
		eo.Logs = &logs
	}
	r.emuSrv = &http.Server{Handler: graphemu.New(eo).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.emuSrv.Serve(l) }()
	r.stops = append(r.stops, func() { _ = r.emuSrv.Close() })
	base := "http://" + l.Addr().String()
	r.emu, r.graph = base+"/_emulator", base+"/v1.0"
	if r.c, err = client.Dial(client.Options{HostPort: r.srv.FrontendAddress(), Logger: quietLogger()}); err != nil {
		return nil, fmt.Errorf("connect to the embedded server: %w", err)
	}
	r.stops = append(r.stops, r.c.Close)
	return r, nil
}

// startWorker starts a worker process with the production defaults, pointed at this run's server and emulator,
// and extra settings, and returns once it serves c's namespace.
func (r *run) startWorker(ctx context.Context, c client.Client, extra map[string]string) (*child, error) {
	env := map[string]string{
		"TEMPORAL_ADDRESS": r.srv.FrontendAddress(), "TAPFLOW_NO_ENCRYPTION": "true",
		"TAPFLOW_GRAPH_URL": r.graph, "TAPFLOW_GRAPH_STATIC_TOKEN": "bench", "TAPFLOW_SENDER_MAILBOX": graphemu.DemoSenderID,
		"TAPFLOW_LOG_LEVEL": "error",
		// The issuance guard stays on and is measured: every pass is reserved with it. Its limit is set above
		// the bench's bursts, which a real tenant would rightly treat as an attack.
		"TAPFLOW_ISSUANCE_LIMIT": "1000000",
		// The bench measures the pass mailed at once; the pickup path waits for a person's reveal.
		"TAPFLOW_DELIVERY": "manager-mail",
		// The per-user poll schedule; the tenant watch has a phase and a worker of its own.
		"TAPFLOW_TENANT_WATCH": "false",
	}
	maps.Copy(env, r.o.WorkerEnv)
	maps.Copy(env, extra)
	r.workers++
	if r.o.ProfileDir != "" {
		env[benchworker.ProfileEnv] = filepath.Join(r.o.ProfileDir, fmt.Sprintf("worker-%d.pprof", r.workers))
	}
	ch, err := startChild(ctx, r.o.WorkerBinary, env)
	if err != nil {
		return nil, err
	}
	if err := handshake(ctx, c, ch); err != nil {
		ch.stop()
		return nil, err
	}
	return ch, nil
}

func (r *run) tearDown() {
	if r.child != nil {
		r.child.stop()
		r.child = nil
	}
	for i := len(r.stops) - 1; i >= 0; i-- {
		r.stops[i]()
	}
	r.stops = nil
}

// seconds formats a duration for an environment variable.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s" }
