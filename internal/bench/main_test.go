package bench

import (
	"os"
	"testing"

	"github.com/tapflow/tapflow/internal/benchworker"
)

// TestMain lets the test binary serve as the benchmark's worker process, which the benchmark starts by running
// its own executable again.
func TestMain(m *testing.M) {
	benchworker.RunIfAsked()
	os.Exit(m.Run())
}
