// Package benchworker is the benchmark's worker process: a tapflow worker configured from the environment, as
// the worker binary is, plus the baseline's no-op workflow and activity. `starter bench` builds the worker binary
// as the images do (-tags nodev) plus -tags bench, which compiles this mode in, and starts it in this mode, so
// the figures it reads (RSS, metrics, CPU) are those of the worker users run. This package links nothing of the
// embedded server, and the production worker (built without -tags bench) links nothing of this package.
package benchworker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/stack"
)

// Env marks a process started as the benchmark's worker ("worker"); ProfileEnv names the file its CPU profile
// goes to (its heap profile, on SIGUSR1, goes to HeapPath of it).
const (
	Env        = "TAPFLOW_BENCH_CHILD"
	ProfileEnv = "TAPFLOW_BENCH_CPUPROFILE"
)

// The baseline's task queues: its workflows on one, its activities on another, as tapflow's Graph activities
// run on a queue of their own (the one the server rate-limits). An activity on its workflow's own queue would
// run eagerly, handed back with the workflow task without the matching service, which a joiner's cannot.
const (
	BaselineQueue         = "tapflow-bench-baseline"
	BaselineActivityQueue = "tapflow-bench-baseline-activities"
)

// Shape is a workflow's round trips up to its delivery: activities through the task queue, and local ones.
type Shape struct {
	Activities int `json:"activities"`
	Local      int `json:"local_activities"`
}

// BaselineWorkflow runs the shape's no-op local activities, then its no-op activities, one after another: the
// engine's cost of a workflow with a joiner's round trips, and nothing of tapflow's.
func BaselineWorkflow(ctx workflow.Context, s Shape) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	for i := 0; i < s.Local; i++ {
		if err := workflow.ExecuteLocalActivity(lctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: BaselineActivityQueue, StartToCloseTimeout: time.Minute})
	for i := 0; i < s.Activities; i++ {
		if err := workflow.ExecuteActivity(ctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noop(context.Context) error { return nil }

// RunIfAsked runs the benchmark's worker and exits when this process was started as one; otherwise it returns
// at once. The worker binary built with -tags bench calls it first in main (and so do the starter binary and the
// tests whose binaries serve as one).
func RunIfAsked() {
	if os.Getenv(Env) != "worker" {
		return
	}
	os.Exit(run())
}

// run is the worker until SIGTERM.
func run() int {
	var cfg stack.Config
	set := cliconf.New(pflag.NewFlagSet("bench-worker", pflag.ContinueOnError))
	stack.Bind(set, &cfg)
	if err := set.ApplyEnv(os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 2
	}
	if err := cfg.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 2
	}
	cfg.AuditLog = os.Stderr // as the worker binary writes them: the audit lines cost what they cost there
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if path := os.Getenv(ProfileEnv); path != "" {
		stopProfile, err := StartCPUProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench worker:", err)
			return 1
		}
		defer stopProfile()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGUSR1) // before the worker is ready: the parent may ask as soon as it is
		defer signal.Stop(sig)
		go heapOnSignal(ctx, sig, HeapPath(path))
	}
	s, err := stack.Start(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		return 1
	}
	defer s.Stop()
	flows := worker.New(s.Client(), BaselineQueue, worker.Options{})
	flows.RegisterWorkflow(BaselineWorkflow)
	flows.RegisterActivity(noop) // its local activities
	acts := worker.New(s.Client(), BaselineActivityQueue, worker.Options{})
	acts.RegisterActivity(noop)
	for _, w := range []worker.Worker{flows, acts} {
		if err := w.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "bench worker: baseline worker:", err)
			return 1
		}
		defer w.Stop()
	}
	<-ctx.Done()
	return 0
}

// StartCPUProfile profiles this process's CPU into path until the returned function runs.
func StartCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// HeapPath is where a worker profiled into cpu writes its heap profile.
func HeapPath(cpu string) string { return strings.TrimSuffix(cpu, ".pprof") + "-heap.pprof" }

// heapOnSignal writes a heap profile (after a GC) to path each time sig delivers, until ctx ends.
func heapOnSignal(ctx context.Context, sig <-chan os.Signal, path string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		runtime.GC()
		f, err := os.Create(path + ".tmp")
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			err = os.Rename(path+".tmp", path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench worker: heap profile:", err)
		}
	}
}
