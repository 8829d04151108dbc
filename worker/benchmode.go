//go:build bench

package main

import "github.com/tapflow/tapflow/internal/benchworker"

// runBenchModeIfAsked runs the benchmark's worker and exits when `starter bench` started this process as one;
// otherwise it returns at once. Only a build with -tags bench has the mode (`starter bench` builds the worker
// with -tags nodev,bench): the production worker, -tags nodev, links nothing of the benchmark.
func runBenchModeIfAsked() { benchworker.RunIfAsked() }
