package testkit

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFreeAddrIsAFreeLocalPort(t *testing.T) {
	addr := FreeAddr(t)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host)
	require.NotEqual(t, "0", port)
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err, "a server can listen there")
	require.NoError(t, l.Close())
}

func TestScrapeReturnsWhatTheHandlerServesAtMetrics(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, http.MethodGet, r.Method)
		require.Equal(t, "/metrics", r.URL.Path)
		_, _ = w.Write([]byte("tapflow_up 1\n"))
	})
	require.Equal(t, "tapflow_up 1\n", Scrape(t, h))
}

func TestEnvLooksUpTheMapAsOsLookupEnvDoes(t *testing.T) {
	env := Env(map[string]string{"SET": "v", "EMPTY": ""})
	v, ok := env("SET")
	require.True(t, ok)
	require.Equal(t, "v", v)
	v, ok = env("EMPTY")
	require.True(t, ok, "set to empty is set")
	require.Empty(t, v)
	_, ok = env("UNSET")
	require.False(t, ok)
	_, ok = Env(nil)("ANY")
	require.False(t, ok, "nil is an empty environment")
}

func TestBufferIsReadWhileItIsWritten(t *testing.T) {
	var b Buffer
	require.Empty(t, b.String(), "the zero Buffer is empty")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				_, _ = fmt.Fprintf(&b, "%d.%d\n", i, j)
			}
		}()
	}
	for range 100 {
		_ = b.String() // the race detector catches a read racing the writes
	}
	wg.Wait()
	require.Equal(t, 400, strings.Count(b.String(), "\n"))
	got := b.Bytes()
	got[0] = '!'
	require.NotEqual(t, byte('!'), b.Bytes()[0], "Bytes is a copy")
}

// No package of the module imports testkit outside its tests, in any build (with the embedded server, -tags
// nodev as the images, -tags nodev,bench as the benchmark's worker): the helpers are for tests only.
func TestNoProductionCodeImportsTheTestHelpers(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	const self = "github.com/tapflow/tapflow/internal/testkit"
	for _, tags := range []string{"", "nodev", "nodev,bench"} {
		cmd := exec.Command(goBin, "list", "-e", "-tags", tags, "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`,
			"github.com/tapflow/tapflow/...")
		out, err := cmd.Output()
		require.NoError(t, err, "go list -tags %q", tags)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Greater(t, len(lines), 10, "the module's packages are listed")
		for _, line := range lines {
			fields := strings.Fields(line)
			require.NotContains(t, fields[1:], self, "-tags %q: %s imports testkit outside its tests", tags, fields[0])
		}
	}
}
