package vendoremu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

// receiver is a test webhook receiver built on hrvendor: verify, answer any scripted status, then parse, fetch
// (when the delivery is dataless) and normalise.
type receiver struct {
	t       *testing.T
	adapter hrvendor.Adapter
	mapping hrvendor.VendorMapping

	mu      sync.Mutex
	script  []int // statuses to answer valid deliveries with, in turn; then 202
	notices []hrvendor.Notice
	events  []hrevent.Event
	errs    []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	if err := rc.adapter.Verify(r.Header, body, now); err != nil {
		if errors.Is(err, hrvendor.ErrStale) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.mu.Lock()
	if len(rc.script) > 0 {
		status := rc.script[0]
		rc.script = rc.script[1:]
		rc.mu.Unlock()
		w.WriteHeader(status)
		return
	}
	rc.mu.Unlock()
	ns, err := rc.adapter.Parse(body, now)
	rc.addErr(err)
	for _, n := range ns {
		rec := n.Record
		if rec == nil {
			rec, err = rc.adapter.Fetch(r.Context(), n.EmployeeID)
			if errors.Is(err, hrvendor.ErrNotFound) && n.Kind == hrvendor.KindDeleted {
				err = nil
			}
			rc.addErr(err)
		}
		evs, err := hrvendor.Normalise(n, rec, rc.mapping, now)
		rc.addErr(err)
		rc.mu.Lock()
		rc.notices = append(rc.notices, n)
		rc.events = append(rc.events, evs...)
		rc.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

func (rc *receiver) addErr(err error) {
	if err != nil {
		rc.mu.Lock()
		rc.errs = append(rc.errs, err)
		rc.mu.Unlock()
	}
}

func (rc *receiver) snapshot() ([]hrvendor.Notice, []hrevent.Event, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hrvendor.Notice(nil), rc.notices...), append([]hrevent.Event(nil), rc.events...),
		append([]error(nil), rc.errs...)
}

// control sends a control API request to the emulator at base and decodes the JSON answer into out (if any).
func control(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding the answer: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

// waitFor polls cond until it holds or 5 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serve starts emu on a test server and a receiver server, configures the webhook, and cleans both up.
func serve(t *testing.T, emu *Emulator, rc *receiver, hook map[string]any) (emuURL string) {
	t.Helper()
	es := httptest.NewServer(emu)
	rs := httptest.NewServer(rc)
	t.Cleanup(func() {
		emu.Close()
		rs.Close()
		es.Close()
	})
	hook["url"] = rs.URL
	if code := control(t, http.MethodPut, es.URL+"/_emulator/webhook", hook, nil); code != http.StatusNoContent {
		t.Fatalf("PUT webhook = %d", code)
	}
	return es.URL
}

func str(s string) *string { return &s }

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format("2006-01-02") }
