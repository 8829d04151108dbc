package vendoremu

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

func bambooReceiver(t *testing.T, emuURL func() string, secrets ...string) *receiver {
	m := hrvendor.DefaultMapping(hrvendor.VendorBambooHR)
	m.User, m.DefaultTimeZone = "workEmail", "UTC"
	return &receiver{t: t, mapping: m, adapter: lazyAdapter{func() hrvendor.Adapter {
		return hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: secrets, BaseURL: emuURL() + "/api/gateway.php",
			CompanyDomain: "acme", APIKey: "emulator-api-key", Fields: m.Fields()})
	}}}
}

// lazyAdapter builds its adapter on first use, once the emulator's URL is known.
type lazyAdapter struct{ build func() hrvendor.Adapter }

// Name, Verify, Parse, Fetch and CheckCredentials delegate to the adapter built on use.
func (l lazyAdapter) Name() string { return l.build().Name() }
func (l lazyAdapter) Verify(h http.Header, b []byte, now time.Time) error {
	return l.build().Verify(h, b, now)
}
func (l lazyAdapter) Parse(b []byte, now time.Time) ([]hrvendor.Notice, error) {
	return l.build().Parse(b, now)
}
func (l lazyAdapter) Fetch(ctx context.Context, id string) (hrvendor.Record, error) {
	return l.build().Fetch(ctx, id)
}
func (l lazyAdapter) CheckCredentials(ctx context.Context) error {
	return l.build().CheckCredentials(ctx)
}

func TestBambooHRDeliveriesVerifyAndNormalise(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "whk-secret")
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "whk-secret", "retry_delays_ms": []int{1}})
	notices := func(n int) func() bool {
		return func() bool { ns, _, errs := rc.snapshot(); return len(ns)+len(errs) >= n }
	}

	var joiner, mover struct{ ID string }
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{
		"hireDate": day(10), "workEmail": "ada.lovelace@contoso.example", "department": "Engineering"}}, &joiner)
	if joiner.ID != "100" {
		t.Fatalf("created id = %q", joiner.ID)
	}
	// BambooHR fires employee.created then employee.updated; both give the same hire.
	waitFor(t, "two notices", notices(2))
	control(t, http.MethodPatch, url+"/_emulator/employees/100", map[string]any{"fields": map[string]string{"department": "Research"}}, nil)
	waitFor(t, "three notices", notices(3))
	ns, evs, errs := rc.snapshot()
	if len(errs) != 0 || len(evs) != 3 {
		t.Fatalf("events %+v, errors %v", evs, errs)
	}
	if ns[0].Kind != hrvendor.KindCreated || ns[1].Kind != hrvendor.KindUpdated || evs[0].Type != hrevent.Hire ||
		evs[1].ID != evs[0].ID || evs[2].ID != evs[0].ID || evs[0].Employee.StartDate != day(10) {
		t.Fatalf("notices %+v events %+v", ns, evs)
	}

	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{
		"hireDate": day(-100), "workEmail": "grace@contoso.example", "department": "Engineering"}}, &mover)
	waitFor(t, "five notices", notices(5))
	control(t, http.MethodPatch, url+"/_emulator/employees/"+mover.ID, map[string]any{"fields": map[string]string{"jobTitle": "Lead"}}, nil)
	waitFor(t, "six notices", notices(6))
	_, evs, errs = rc.snapshot()
	last := evs[len(evs)-1]
	if len(errs) != 0 || last.Type != hrevent.JobChange || last.Changes.JobTitle != "Lead" || last.Employee.EmployeeID != mover.ID {
		t.Fatalf("job change %+v, errors %v", last, errs)
	}

	control(t, http.MethodDelete, url+"/_emulator/employees/100", nil, nil)
	waitFor(t, "the deleted notice", notices(7))
	for _, d := range emu.Deliveries() {
		if d.Status != http.StatusAccepted || d.Attempt != 1 {
			t.Fatalf("delivery %+v", d)
		}
	}
}

func TestRetriesUntil2xx(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	rc.script = []int{503, 500}
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "s", "retry_delays_ms": []int{1, 1, 1}})
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{}}, nil)
	waitFor(t, "three attempts", func() bool { return len(emu.Deliveries()) == 3 })
	ds := emu.Deliveries()
	for i, want := range []int{503, 500, 202} {
		if ds[i].Attempt != i+1 || ds[i].Status != want || ds[i].DeliveryID != ds[0].DeliveryID {
			t.Fatalf("attempt %d = %+v", i+1, ds[i])
		}
	}
}

func TestBambooHRDoesNotRetry4xxButHiBobDoes(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	rc.script = []int{409, 409}
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "s", "retry_delays_ms": []int{1, 1}})
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{}}, nil)
	waitFor(t, "one attempt", func() bool { return len(emu.Deliveries()) == 1 })
	time.Sleep(50 * time.Millisecond)
	if ds := emu.Deliveries(); len(ds) != 1 || ds[0].Status != 409 {
		t.Fatalf("bamboohr 4xx deliveries = %+v", ds)
	}

	hrc, hemu := hibobSetup(t, []int{409, 409}, map[string]any{"secret": "s", "retry_delays_ms": []int{1, 1}})
	control(t, http.MethodPost, hrc.url+"/_emulator/employees", map[string]any{"fields": map[string]string{}}, nil)
	waitFor(t, "three attempts", func() bool { return len(hemu.Deliveries()) == 3 })
	if ds := hemu.Deliveries(); ds[2].Status != http.StatusAccepted {
		t.Fatalf("hibob deliveries = %+v", ds)
	}
}

func TestRepeatGivesSameEventIDs(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "s", "repeat": 3})
	var created struct{ ID string }
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{
		"hireDate": day(3), "workEmail": "grace@contoso.example"}}, &created)
	waitFor(t, "six deliveries", func() bool { return len(emu.Deliveries()) == 6 })
	control(t, http.MethodDelete, url+"/_emulator/employees/"+created.ID, nil, nil)
	waitFor(t, "nine deliveries", func() bool { return len(emu.Deliveries()) == 9 })
	ids := map[string]bool{}
	for _, d := range emu.Deliveries() {
		ids[d.DeliveryID] = true
	}
	_, evs, errs := rc.snapshot()
	if len(ids) != 9 || len(errs) != 0 || len(evs) != 6 {
		t.Fatalf("%d delivery ids, events %+v, errors %v", len(ids), evs, errs)
	}
	for _, e := range evs {
		if e.ID != evs[0].ID {
			t.Fatalf("event ids differ: %s, %s", e.ID, evs[0].ID)
		}
	}
}

func TestForgedAndStaleSends(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "s"})
	for forge, want := range map[string]int{"bad_signature": 401, "stale": 400, "": 202} {
		var out struct{ Status int }
		control(t, http.MethodPost, url+"/_emulator/send", map[string]any{"employee_id": "555", "kind": "deleted", "forge": forge}, &out)
		if out.Status != want {
			t.Fatalf("forge %q: receiver answered %d, want %d", forge, out.Status, want)
		}
	}
	hrc, _ := hibobSetup(t, nil, map[string]any{"secret": "s"})
	for forge, want := range map[string]int{"bad_signature": 401, "stale": 400, "": 202} {
		var out struct{ Status int }
		control(t, http.MethodPost, hrc.url+"/_emulator/send", map[string]any{"employee_id": "9", "kind": "deleted", "forge": forge}, &out)
		if out.Status != want {
			t.Fatalf("hibob forge %q: receiver answered %d, want %d", forge, out.Status, want)
		}
	}
}

func TestCloseStopsPendingRetries(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	rc.script = []int{500, 500, 500}
	emu := NewBambooHR(BambooHROptions{})
	url = serve(t, emu, rc, map[string]any{"secret": "s", "retry_delays_ms": []int{3600000}})
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{}}, nil)
	waitFor(t, "the first attempt", func() bool { return len(emu.Deliveries()) == 1 })
	done := make(chan struct{})
	go func() { emu.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not stop the pending retry")
	}
	if n := len(emu.Deliveries()); n != 1 {
		t.Fatalf("%d deliveries after Close", n)
	}
}

func TestBambooHRAuth(t *testing.T) {
	emu := NewBambooHR(BambooHROptions{APIKey: "right"})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	defer emu.Close()
	control(t, http.MethodPost, srv.URL+"/_emulator/employees", map[string]any{"fields": map[string]string{"hireDate": "2026-12-01"}}, nil)
	cfg := hrvendor.BambooHRConfig{BaseURL: srv.URL + "/api/gateway.php", CompanyDomain: "acme", APIKey: "wrong"}
	if _, err := hrvendor.NewBambooHR(cfg).Fetch(context.Background(), "100"); !errors.Is(err, hrvendor.ErrCredentials) {
		t.Fatalf("wrong key: %v", err)
	}
	cfg.APIKey = "right"
	rec, err := hrvendor.NewBambooHR(cfg).Fetch(context.Background(), "100")
	if err != nil || rec["hireDate"] != "2026-12-01" {
		t.Fatalf("Fetch = %v, %v", rec, err)
	}
	if err := hrvendor.NewBambooHR(cfg).CheckCredentials(context.Background()); err != nil {
		t.Fatalf("CheckCredentials = %v", err)
	}
	if _, err := hrvendor.NewBambooHR(cfg).Fetch(context.Background(), "101"); !errors.Is(err, hrvendor.ErrNotFound) {
		t.Fatalf("unknown employee: %v", err)
	}
	cfg.CompanyDomain = "other"
	if _, err := hrvendor.NewBambooHR(cfg).Fetch(context.Background(), "100"); !errors.Is(err, hrvendor.ErrNotFound) {
		t.Fatalf("other domain: %v", err)
	}
}
