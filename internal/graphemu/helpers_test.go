package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is an emulator behind an httptest server.
type testEnv struct {
	t     *testing.T
	emu   *Emulator
	srv   *httptest.Server
	clock *fakeClock
}

// newEnv starts an emulator with the demo seed (or seed when non-nil).
func newEnv(t *testing.T, seed *Seed) *testEnv {
	t.Helper()
	if seed == nil {
		seed = DemoSeed()
	}
	clock := &fakeClock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	emu := New(Options{Now: clock.Now, Seed: seed})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &testEnv{t: t, emu: emu, srv: srv, clock: clock}
}

// resp is a captured HTTP response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// arr decodes the body as a JSON array of objects.
func (r resp) arr(t *testing.T) []map[string]any {
	t.Helper()
	var a []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &a), "body: %s", r.body)
	return a
}

// errCode returns error.code of an error body.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.obj(t)["error"].(map[string]any)
	require.True(t, ok, "not an error body: %s", r.body)
	return e["code"].(string)
}

// errMessage returns error.message of an error body.
func (r resp) errMessage(t *testing.T) string {
	t.Helper()
	return r.obj(t)["error"].(map[string]any)["message"].(string)
}

// call sends a request; body may be nil, a string (raw) or any JSON value.
func (e *testEnv) call(method, path string, body any, headers map[string]string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

// graph sends an authenticated Graph request.
func (e *testEnv) graph(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, path, body, map[string]string{"Authorization": "Bearer test-token"})
}

// ctl sends a control API request.
func (e *testEnv) ctl(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, path, body, nil)
}

// base is the Graph root as the emulator reports it in @odata.context.
func (e *testEnv) base() string {
	return e.srv.URL + "/v1.0"
}
