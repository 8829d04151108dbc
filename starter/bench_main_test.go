//go:build !nodev

package main

import (
	"os"
	"testing"
)

// TestMain lets this test binary serve as `starter bench`'s worker process, as the starter binary does.
func TestMain(m *testing.M) {
	runBenchWorkerIfAsked()
	os.Exit(m.Run())
}
