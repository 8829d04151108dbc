package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/bench"
	"github.com/tapflow/tapflow/internal/benchworker"
)

// goTool is the go command, or a skip when it is not on PATH.
func goTool(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	return bin
}

// nodevBinary builds a command of this module with -tags nodev, as the Dockerfile does.
func nodevBinary(t *testing.T, pkg string) string {
	t.Helper()
	goBin := goTool(t)
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	build := exec.Command(goBin, "build", "-tags", "nodev", "-o", bin, pkg)
	build.Dir = ".."
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build -tags nodev %s:\n%s", pkg, out)
	return bin
}

// deps lists the packages that the module's packages pkgs link with the build tags tags ("" for none): go list
// -deps, tests left out.
func deps(t *testing.T, tags string, pkgs ...string) []string {
	t.Helper()
	args := []string{"list", "-deps"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command(goTool(t), append(args, pkgs...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("go list %v: %v\n%s", args, err, exit.Stderr)
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

func TestNodevBuildDoesNotLinkTheTemporalServer(t *testing.T) {
	server := regexp.MustCompile(`^(go\.temporal\.io/server|github\.com/temporalio/ui-server)(/|$)`)
	linked := func(pkgs []string) (out []string) {
		for _, p := range pkgs {
			if server.MatchString(p) {
				out = append(out, p)
			}
		}
		return out
	}
	require.NotEmpty(t, linked(deps(t, "", "./worker", "./starter")),
		"the default build embeds the dev server (else this test checks nothing)")
	nodev := deps(t, "nodev", "./worker", "./starter")
	require.Contains(t, nodev, "github.com/tapflow/tapflow/internal/stack")
	require.Empty(t, linked(nodev), "-tags nodev links no Temporal server or Web UI package")
}

// The production worker (-tags nodev, as the images build it) links nothing of the benchmark: its bench mode, the
// baseline's workflow with it, is compiled in only with -tags bench, which `starter bench` adds to the worker it
// builds to measure. The images build the worker without it.
func TestTheProductionWorkerLinksTheBenchmarkOnlyWithTheBenchTag(t *testing.T) {
	const benchPkg = "github.com/tapflow/tapflow/internal/benchworker"
	production := deps(t, "nodev", "./worker")
	require.Contains(t, production, "github.com/tapflow/tapflow/internal/stack", "the worker's own code is listed")
	require.NotContains(t, production, benchPkg, "-tags nodev: the production worker links no benchmark code")
	require.Contains(t, deps(t, "nodev,bench", "./worker"), benchPkg,
		"-tags nodev,bench: the benchmark's worker has its mode (else this test checks nothing)")
	require.Equal(t, "nodev,bench", bench.WorkerTags, "starter bench builds the worker with the bench mode")

	tags := regexp.MustCompile(`-tags[= ](\S+)`)
	seen := 0
	for _, file := range []string{"../Dockerfile", "../docker-compose.yml"} {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range tags.FindAllStringSubmatch(string(data), -1) {
			seen++
			require.NotContains(t, strings.Split(m[1], ","), "bench", "%s builds with %s: the images have no bench mode", file, m[0])
		}
	}
	require.NotZero(t, seen, "the Dockerfile's builds name their tags (else the loop checks nothing)")
}

// refusesToStart runs bin with env (and nothing else of the environment) and returns its stderr, failing unless it
// stops with a configuration error (exit status 2) without starting.
func refusesToStart(t *testing.T, bin string, env ...string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the worker must not start: %s", stderr.String())
	require.Equal(t, 2, exit.ExitCode(), "a configuration error: %s", stderr.String())
	return stderr.String()
}

// A production worker started as the benchmark's worker process (as `starter bench --worker-binary` would) stops
// at once and says how to build one with the bench mode, instead of running as a plain worker that the benchmark
// waits on.
func TestTheProductionWorkerStartedAsTheBenchmarksWorkerSaysHowToBuildOne(t *testing.T) {
	bin := nodevBinary(t, "./worker")
	start := time.Now()
	stderr := refusesToStart(t, bin, benchworker.Env+"=worker", "TAPFLOW_HTTP_ADDRESS=127.0.0.1:0", "TAPFLOW_DATA_DIR="+t.TempDir())
	require.Less(t, time.Since(start), 10*time.Second, "at once")
	require.Contains(t, stderr, "no bench mode")
	require.Contains(t, stderr, "-tags nodev,bench")
}

func TestNodevWorkerAsksForAClusterInsteadOfStartingOne(t *testing.T) {
	bin := nodevBinary(t, "./worker")
	stderr := refusesToStart(t, bin, "TAPFLOW_HTTP_ADDRESS=127.0.0.1:0", "TAPFLOW_EMULATOR_ADDRESS=127.0.0.1:0",
		"TAPFLOW_DATA_DIR="+t.TempDir())
	require.Contains(t, stderr, "no embedded Temporal server")
	require.Contains(t, stderr, "TEMPORAL_ADDRESS")
}

// The receiver's environment in the compose file is exactly what `starter serve` reads: its --help lists the
// variables, and the binary starts with the values and answers its healthcheck.
func TestComposeStarterServeStartsWithItsComposeEnvironment(t *testing.T) {
	bin := nodevBinary(t, "./starter")
	help, err := exec.Command(bin, "serve", "--help").CombinedOutput()
	require.NoError(t, err, "%s", help)
	var known []string
	for _, m := range regexp.MustCompile(`\[\$([A-Z0-9_]+)\]`).FindAllStringSubmatch(string(help), -1) {
		known = append(known, m[1])
	}
	require.Contains(t, known, "TAPFLOW_WEBHOOK_SECRET")

	starter := service(t, loadCompose(t, operatorEnv(t)), "tapflow-starter")
	start := func(env map[string]string) (*exec.Cmd, *bufio.Reader, *bytes.Buffer) {
		cmd := exec.Command(bin, starter.Command...)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		return cmd, bufio.NewReader(stdout), &stderr
	}
	env := environment(starter)
	for name := range env {
		require.Contains(t, known, name, "compose sets %s, which starter serve does not read", name)
	}
	env["TAPFLOW_WEBHOOK_ADDRESS"] = "127.0.0.1:0" // the compose value, 0.0.0.0:8088, may be taken here
	cmd, stdout, stderr := start(env)
	lines := make(chan string, 1)
	go func() { line, _ := stdout.ReadString('\n'); lines <- line; _, _ = io.Copy(io.Discard, stdout) }()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("starter serve did not start: %s", stderr)
	}
	addr := regexp.MustCompile(`http://([^/]+)/v1/events`).FindStringSubmatch(line)
	require.NotNil(t, addr, "starter serve printed %q; stderr: %s", line, stderr)
	resp, err := http.Get("http://" + addr[1] + "/healthz") // the compose healthcheck's path
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "stops cleanly on SIGTERM: %s", stderr)

	// Each variable the receiver requires with a cluster, left out, stops it with a message naming it.
	for _, name := range []string{"TAPFLOW_ENCRYPTION_KEYS", "TAPFLOW_WEBHOOK_SECRET"} {
		without := map[string]string{}
		for k, v := range env {
			if k != name {
				without[k] = v
			}
		}
		cmd, _, stderr := start(without)
		err := cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "starter serve without %s", name)
		require.Equal(t, 2, exit.ExitCode())
		require.Contains(t, stderr.String(), name)
	}
}

func TestNodevDockerfileBuildsSmallImagesWithoutTheServer(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	dockerfile := string(data)
	mod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	require.NotNil(t, goVersion)
	require.Contains(t, dockerfile, "FROM golang:"+string(goVersion[1])+"-bookworm AS build", "the builder is go.mod's Go")
	require.Contains(t, dockerfile, "CGO_ENABLED=0")
	require.Contains(t, dockerfile, "--mount=type=cache,target=/go/pkg/mod")
	require.Contains(t, dockerfile, "--mount=type=cache,target=/root/.cache/go-build")
	for _, pkg := range []string{"worker", "starter"} {
		require.Regexp(t, `go build -trimpath -ldflags='-s -w' -tags nodev -o \S+ \./`+pkg+`\b`, dockerfile)
	}
	stages := map[string]string{} // stage -> base
	for _, m := range regexp.MustCompile(`(?m)^FROM (\S+) AS (\S+)$`).FindAllStringSubmatch(dockerfile, -1) {
		stages[m[2]] = m[1]
	}
	// The compose healthchecks run busybox wget inside the tapflow images: their base must have it.
	require.Equal(t, "runtime", stages["worker"])
	require.Equal(t, "runtime", stages["starter"])
	require.Regexp(t, `^alpine:\d+\.\d+$`, stages["runtime"])
	p := loadCompose(t, emulatorEnv(t), "emulator")
	for _, name := range []string{"tapflow-worker", "tapflow-starter", "graph-emulator"} {
		s := service(t, p, name)
		require.Contains(t, stages, s.Build.Target, "%s builds a stage of the Dockerfile", name)
		require.Equal(t, "wget", s.HealthCheck.Test[1], "%s: the image has wget, not curl", name)
	}

	ignore, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	for _, entry := range []string{".git", ".tapflow", ".env"} {
		require.Contains(t, strings.Fields(string(ignore)), entry, ".dockerignore keeps %s out of the build context", entry)
	}
}
