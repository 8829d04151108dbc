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

// BuildWorker builds the production worker (-tags nodev, as the images build it: no embedded server linked) into
// dir and returns its path. It needs the Go toolchain and this module's source, as `go run ./starter bench` has.
func BuildWorker(ctx context.Context, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("building the worker to measure needs the Go toolchain on PATH; " +
			"or pass --worker-binary with a worker built with -tags nodev (or 'self')")
	}
	bin := filepath.Join(dir, "tapflow-worker")
	out, err := exec.CommandContext(ctx, goBin, "build", "-tags", "nodev", "-o", bin, workerPackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build -tags nodev %s (run the benchmark inside a tapflow checkout, or pass "+
			"--worker-binary): %w: %s", workerPackage, err, strings.TrimSpace(string(out)))
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
