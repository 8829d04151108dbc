//go:build !bench

package main

import (
	"fmt"
	"os"
)

// benchModeEnv is benchworker.Env, spelled out here so that this build does not link the benchmark
// (TestTheProductionWorkerStartedAsTheBenchmarksWorkerSaysHowToBuildOne starts this build with benchworker.Env).
const benchModeEnv = "TAPFLOW_BENCH_CHILD"

// runBenchModeIfAsked: this build has no bench mode (it was built without -tags bench, as the production images
// are). A process that `starter bench` started as its worker stops at once, saying how to build one, rather than
// running as a plain worker that the benchmark would wait on; any other process goes on.
func runBenchModeIfAsked() {
	if os.Getenv(benchModeEnv) != "worker" {
		return
	}
	fmt.Fprintln(os.Stderr, "tapflow worker: this binary has no bench mode (built without -tags bench): "+
		"build the worker to measure with go build -tags nodev,bench ./worker, or leave --worker-binary out")
	os.Exit(2)
}
