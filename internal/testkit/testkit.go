// Package testkit holds helpers shared by the tests of several packages: a free local address, a scrape of a
// metrics handler, an environment backed by a map, and a buffer that one goroutine writes while another reads. It is for _test.go files only: production code does not
// import it (a test here checks that no command links it).
package testkit

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago (it listens there, then closes), for a
// server that a test starts and needs to know the address of beforehand.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Scrape returns what h, a metrics handler (e.g. metrics.Metrics' Handler), serves to GET /metrics: the
// Prometheus text exposition. Anything but 200 OK fails the test.
func Scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatalf("read the scraped metrics: %v", err)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", rec.Code, body)
	}
	return string(body)
}

// Env is a lookup over m in the shape of os.LookupEnv, for code that takes its environment as a function: a
// variable is set when m has it (even to ""), unset otherwise. A nil m is an empty environment.
func Env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Buffer is a bytes.Buffer safe for concurrent use: a command or server under test writes its output there
// (Write) while the test reads what it has so far (String, Bytes). The zero Buffer is empty and ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Bytes is a copy of what has been written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}
