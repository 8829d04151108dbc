package vendoremu

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

type hibobRig struct {
	url string
	rc  *receiver
}

// hibobSetup serves a HiBob emulator whose webhook goes to a verifying receiver answering script first.
func hibobSetup(t *testing.T, script []int, hook map[string]any) (*hibobRig, *Emulator) {
	t.Helper()
	rig := &hibobRig{}
	m := hrvendor.DefaultMapping(hrvendor.VendorHiBob)
	m.User, m.DefaultTimeZone = "root.email", "UTC"
	secret, _ := hook["secret"].(string)
	rig.rc = &receiver{t: t, mapping: m, script: script, adapter: lazyAdapter{func() hrvendor.Adapter {
		return hrvendor.NewHiBob(hrvendor.HiBobConfig{Secrets: []string{"old", secret}, BaseURL: rig.url,
			ServiceUserID: "SERVICE-USER-EMULATOR", Token: "emulator-token", Fields: m.Fields()})
	}}}
	emu := NewHiBob(HiBobOptions{})
	rig.url = serve(t, emu, rig.rc, hook)
	return rig, emu
}

func TestHiBobDeliveriesVerifyAndNormalise(t *testing.T) {
	rig, emu := hibobSetup(t, nil, map[string]any{"secret": "bob-secret"})
	var created struct{ ID string }
	control(t, http.MethodPost, rig.url+"/_emulator/employees", map[string]any{"fields": map[string]string{
		"work.startDate": day(-3), "root.email": "ada.lovelace@contoso.example", "work.department": "Engineering"}}, &created)
	waitFor(t, "the hire", func() bool { _, evs, _ := rig.rc.snapshot(); return len(evs) == 1 })
	control(t, http.MethodPatch, rig.url+"/_emulator/employees/"+created.ID,
		map[string]any{"fields": map[string]string{"work.department": "Research"}}, nil)
	waitFor(t, "the job change", func() bool { _, evs, _ := rig.rc.snapshot(); return len(evs) == 3 })
	control(t, http.MethodPatch, rig.url+"/_emulator/employees/"+created.ID, map[string]any{"kind": "terminated",
		"fields": map[string]string{"internal.terminationDate": day(20)}}, nil)
	waitFor(t, "two more notices", func() bool { n, _, _ := rig.rc.snapshot(); return len(n) == 4 })

	notices, evs, errs := rig.rc.snapshot()
	if len(errs) != 0 {
		t.Fatalf("receiver errors: %v", errs)
	}
	if evs[0].Type != hrevent.Hire || evs[0].Employee.User != "ada.lovelace@contoso.example" || evs[1].ID != evs[0].ID ||
		evs[2].Type != hrevent.JobChange || evs[2].Changes.Department != "Research" {
		t.Fatalf("events %+v", evs)
	}
	if notices[3].Kind != hrvendor.KindTerminated {
		t.Fatalf("last notice %+v", notices[3])
	}
	var term []hrevent.Event
	for _, e := range evs {
		if e.Type == hrevent.Termination {
			term = append(term, e)
		}
	}
	if len(term) != 2 || term[0].ID != term[1].ID || term[0].Employee.LeaveAt != day(20) {
		t.Fatalf("terminations %+v", term)
	}
	if ds := emu.Deliveries(); ds[len(ds)-1].Event != "employee.left" {
		t.Fatalf("last delivery %+v", ds[len(ds)-1])
	}
}

func TestHiBobAuth(t *testing.T) {
	rig, _ := hibobSetup(t, nil, map[string]any{"secret": "s"})
	var created struct{ ID string }
	control(t, http.MethodPost, rig.url+"/_emulator/employees", map[string]any{"fields": map[string]string{"work.startDate": "2026-12-01"}}, &created)
	cfg := hrvendor.HiBobConfig{BaseURL: rig.url, ServiceUserID: "SERVICE-USER-EMULATOR", Token: "wrong"}
	if _, err := hrvendor.NewHiBob(cfg).Fetch(context.Background(), created.ID); !errors.Is(err, hrvendor.ErrCredentials) {
		t.Fatalf("wrong token: %v", err)
	}
	if err := hrvendor.NewHiBob(cfg).CheckCredentials(context.Background()); !errors.Is(err, hrvendor.ErrCredentials) {
		t.Fatalf("CheckCredentials with a wrong token: %v", err)
	}
	cfg.Token = "emulator-token"
	rec, err := hrvendor.NewHiBob(cfg).Fetch(context.Background(), created.ID)
	if err != nil || rec["work.startDate"] != "2026-12-01" || rec["id"] != created.ID {
		t.Fatalf("Fetch = %v, %v", rec, err)
	}
	if _, err := hrvendor.NewHiBob(cfg).Fetch(context.Background(), "1"); !errors.Is(err, hrvendor.ErrNotFound) {
		t.Fatalf("unknown employee: %v", err)
	}
}

func TestBambooHRFieldBasedPayload(t *testing.T) {
	var url string
	rc := bambooReceiver(t, func() string { return url }, "s")
	emu := NewBambooHR(BambooHROptions{FieldBased: true})
	url = serve(t, emu, rc, map[string]any{"secret": "s"})
	control(t, http.MethodPost, url+"/_emulator/employees", map[string]any{"fields": map[string]string{
		"hireDate": day(5), "workEmail": "grace@contoso.example"}}, nil)
	waitFor(t, "two notices", func() bool { n, _, _ := rc.snapshot(); return len(n) == 2 })
	notices, evs, errs := rc.snapshot()
	if len(errs) != 0 || notices[0].Record != nil || notices[1].Record["workEmail"] != "grace@contoso.example" ||
		len(evs) != 2 || evs[0].ID != evs[1].ID {
		t.Fatalf("notices %+v events %+v errors %v", notices, evs, errs)
	}
}
