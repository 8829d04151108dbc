package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// workerPackage is the production worker's main package.
const workerPackage = "github.com/tapflow/tapflow/worker"

// WorkerTags are the build tags of the worker the benchmark measures: the production build's (nodev, as the
// images build it: no embedded server linked) plus bench, which compiles in the benchmark's worker mode (the
// baseline's workflow); the production worker links nothing of the benchmark.
const WorkerTags = "nodev,bench"

// BuildWorker builds the worker to measure (-tags WorkerTags) into dir and returns its path. It needs the Go
// toolchain and this module's source, as `go run ./starter bench` has.
func BuildWorker(ctx context.Context, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("building the worker to measure needs the Go toolchain on PATH; " +
			"or pass --worker-binary with a worker built with -tags " + WorkerTags + " (or 'self')")
	}
	bin := filepath.Join(dir, "tapflow-worker")
	out, err := exec.CommandContext(ctx, goBin, "build", "-tags", WorkerTags, "-o", bin, workerPackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build -tags %s %s (run the benchmark inside a tapflow checkout, or pass "+
			"--worker-binary): %w: %s", WorkerTags, workerPackage, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// checkWorkerBinary says what is wrong with a worker binary given to run, if anything.
func checkWorkerBinary(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("worker binary: %w", err)
	case st.IsDir() || st.Mode()&0o111 == 0:
		return fmt.Errorf("worker binary %s is not an executable file", path)
	}
	return nil
}
