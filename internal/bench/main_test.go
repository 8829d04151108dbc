package bench

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the benchmark's worker process, which the benchmark starts by running
// its own executable again.
func TestMain(m *testing.M) {
	RunChildIfAsked()
	os.Exit(m.Run())
}
