package hrvendor

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

func bambooMapping() VendorMapping {
	m := DefaultMapping(VendorBambooHR)
	m.User, m.DefaultTimeZone, m.TimeZone = "workEmail", "Europe/London", "customZone"
	return m
}

func joiner() Record {
	return Record{"id": "123", "hireDate": "2026-12-01", "terminationDate": "0000-00-00", "status": "Active",
		"workEmail": "ada.lovelace@contoso.example", "department": "Engineering", "jobTitle": "Engineer",
		"homeEmail": "ada@example.com", "mobilePhone": "+44 7700 900123"}
}

func TestNormaliseHireDeterministic(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindCreated, OccurredAt: testNow.Add(-time.Hour)}
	first, err := Normalise(n, joiner(), bambooMapping(), testNow)
	if err != nil || len(first) != 1 {
		t.Fatalf("Normalise = %+v, %v", first, err)
	}
	e := first[0]
	want := hrevent.Employee{EmployeeID: "123", User: "ada.lovelace@contoso.example", TimeZone: "Europe/London",
		StartDate: "2026-12-01", StartTime: "08:00", PersonalEmail: "ada@example.com", MobilePhone: "+447700900123"}
	if e.Type != hrevent.Hire || e.Employee != want || !e.OccurredAt.Equal(testNow.Add(-time.Hour)) {
		t.Fatalf("hire = %+v", e)
	}
	if !strings.HasPrefix(e.ID, "bamboohr:123:hire:") || len(e.ID) != len("bamboohr:123:hire:")+16 {
		t.Fatalf("id = %q", e.ID)
	}
	// The same change delivered again, later, as an update, or with a record that changed elsewhere: same id.
	n2 := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated, OccurredAt: testNow, ChangedFields: []string{"firstName"}}
	r2 := joiner()
	r2["firstName"] = "Ada"
	again, err := Normalise(n2, r2, bambooMapping(), testNow.Add(time.Minute))
	if err != nil || len(again) != 1 || again[0].ID != e.ID {
		t.Fatalf("again = %+v, %v; want id %s", again, err, e.ID)
	}
	// A moved start date is a new hire.
	r3 := joiner()
	r3["hireDate"] = "2026-12-08"
	moved, _ := Normalise(n, r3, bambooMapping(), testNow)
	if len(moved) != 1 || moved[0].ID == e.ID || moved[0].Employee.StartDate != "2026-12-08" {
		t.Fatalf("moved = %+v", moved)
	}
	if strings.Contains(e.ID, "2026") || strings.Contains(e.ID, "ada") {
		t.Fatalf("id %q carries data", e.ID)
	}
}

func TestNormaliseOccurredAtClamped(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindCreated, OccurredAt: testNow.Add(48 * time.Hour)}
	evs, err := Normalise(n, joiner(), bambooMapping(), testNow)
	if err != nil || !evs[0].OccurredAt.Equal(testNow) {
		t.Fatalf("occurred_at = %v, %v", evs, err)
	}
	n.OccurredAt = time.Time{}
	evs, _ = Normalise(n, joiner(), bambooMapping(), testNow)
	if !evs[0].OccurredAt.Equal(testNow) {
		t.Fatalf("zero occurred_at not replaced: %v", evs[0].OccurredAt)
	}
}

func TestNormaliseTermination(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated, ChangedFields: []string{"terminationDate"}}
	r := joiner()
	r["hireDate"], r["terminationDate"] = "2020-01-06", "2026-12-31"
	evs, err := Normalise(n, r, bambooMapping(), testNow)
	if err != nil || len(evs) != 1 || evs[0].Type != hrevent.Termination || evs[0].Employee.LeaveAt != "2026-12-31" ||
		evs[0].Employee.TimeZone != "Europe/London" {
		t.Fatalf("termination by date = %+v, %v", evs, err)
	}
	r = joiner()
	r["hireDate"], r["status"] = "2020-01-06", "Inactive"
	evs, err = Normalise(n, r, bambooMapping(), testNow)
	if err != nil || len(evs) != 1 || evs[0].Employee.LeaveAt != testNow.Format(time.RFC3339) {
		t.Fatalf("termination by status = %+v, %v", evs, err)
	}
	later, _ := Normalise(n, r, bambooMapping(), testNow.Add(time.Hour))
	if later[0].ID != evs[0].ID {
		t.Fatalf("status termination id moved with the clock: %s, %s", evs[0].ID, later[0].ID)
	}
	// A rehire: the previous employment's leave date is before the new start date.
	r = joiner()
	r["terminationDate"] = "2024-03-31"
	evs, _ = Normalise(n, r, bambooMapping(), testNow)
	if len(evs) != 1 || evs[0].Type != hrevent.Hire {
		t.Fatalf("rehire = %+v", evs)
	}
}

func TestNormaliseJobChange(t *testing.T) {
	r := joiner()
	r["hireDate"] = "2019-05-01"
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated, ChangedFields: []string{"department", "firstName"}}
	evs, err := Normalise(n, r, bambooMapping(), testNow)
	if err != nil || len(evs) != 1 || evs[0].Type != hrevent.JobChange ||
		!reflect.DeepEqual(evs[0].Changes, &hrevent.Changes{Department: "Engineering"}) {
		t.Fatalf("job change = %+v, %v", evs, err)
	}
	future := joiner()
	if evs, _ := Normalise(n, future, bambooMapping(), testNow); len(evs) != 1 || evs[0].Type != hrevent.Hire {
		t.Fatalf("department change before the start date = %+v", evs)
	}
	n.ChangedFields = []string{"firstName"}
	if evs, _ := Normalise(n, r, bambooMapping(), testNow); len(evs) != 0 {
		t.Fatalf("no job field changed, got %+v", evs)
	}
	hb := DefaultMapping(VendorHiBob)
	hb.User, hb.DefaultTimeZone = "root.email", "UTC"
	hn := Notice{Vendor: VendorHiBob, EmployeeID: "77", Kind: KindUpdated, ChangedFields: []string{"work.title"}}
	hr := Record{"root.email": "a@contoso.example", "work.startDate": "2019-05-01", "work.title": "Lead"}
	evs, err = Normalise(hn, hr, hb, testNow)
	if err != nil || len(evs) != 1 || evs[0].Changes.JobTitle != "Lead" || !strings.HasPrefix(evs[0].ID, "hibob:77:job_change:") {
		t.Fatalf("hibob job change = %+v, %v", evs, err)
	}
}

func TestNormaliseDeleted(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindDeleted}
	evs, err := Normalise(n, joiner(), bambooMapping(), testNow)
	if err != nil || len(evs) != 1 || evs[0].Type != hrevent.Rescind {
		t.Fatalf("rescind = %+v, %v", evs, err)
	}
	r := joiner()
	r["hireDate"] = "2026-11-01"
	if evs, err := Normalise(n, r, bambooMapping(), testNow); err != nil || len(evs) != 0 {
		t.Fatalf("deleted after start = %+v, %v", evs, err)
	}
	if evs, err := Normalise(n, nil, bambooMapping(), testNow); err != nil || len(evs) != 0 {
		t.Fatalf("deleted without record = %+v, %v", evs, err)
	}
}

func TestNormaliseOldStartGivesNoHire(t *testing.T) {
	r := joiner()
	r["hireDate"] = "2026-10-01"
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated}
	if evs, err := Normalise(n, r, bambooMapping(), testNow); err != nil || len(evs) != 0 {
		t.Fatalf("old start = %+v, %v", evs, err)
	}
	r["hireDate"] = "2026-11-20" // 6 days ago, within 14
	if evs, _ := Normalise(n, r, bambooMapping(), testNow); len(evs) != 1 {
		t.Fatalf("recent start = %+v", evs)
	}
}

func TestNormaliseErrorsNameKeysNotValues(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindCreated}
	cases := map[string]func(Record, *VendorMapping){
		"mapping.bamboohr.user":       func(r Record, _ *VendorMapping) { delete(r, "workEmail") },
		"mapping.bamboohr.time_zone":  func(r Record, m *VendorMapping) { r["customZone"] = "Mars/Olympus" },
		"mapping.bamboohr.start_date": func(r Record, _ *VendorMapping) { r["hireDate"] = "01/12/2026" },
		"mapping.bamboohr.employee_id": func(r Record, m *VendorMapping) {
			m.EmployeeID = "employeeNumber"
			r["employeeNumber"] = "E 1001 / secret"
		},
		"mapping.bamboohr.start_time": func(r Record, m *VendorMapping) {
			m.StartTime = "customStart"
			r["customStart"] = "Mars o'clock"
		},
		"mapping.bamboohr.leave_date": func(r Record, _ *VendorMapping) { r["terminationDate"] = "01/12/2026" },
	}
	for key, mutate := range cases {
		r, m := joiner(), bambooMapping()
		mutate(r, &m)
		evs, err := Normalise(n, r, m, testNow)
		var re *RecordError
		if err == nil || !strings.Contains(err.Error(), key) || !errors.Is(err, ErrUnmappedRecord) || !errors.As(err, &re) ||
			!slices.Contains(re.Keys, strings.TrimPrefix(key, "mapping.bamboohr.")) || len(evs) != 0 {
			t.Fatalf("%s: events %+v, err = %v", key, evs, err)
		}
		for _, v := range []string{"Mars", "01/12", "secret", "contoso"} {
			if strings.Contains(err.Error(), v) {
				t.Fatalf("%s: error %q carries a value", key, err)
			}
		}
	}
	if _, err := Normalise(n, nil, bambooMapping(), testNow); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("no record: %v", err)
	}
}

func TestNormaliseHiBobTerminatedNotice(t *testing.T) {
	m := DefaultMapping(VendorHiBob)
	m.User, m.DefaultTimeZone = "root.email", "America/New_York"
	n := Notice{Vendor: VendorHiBob, EmployeeID: "3332883854254932743", Kind: KindTerminated}
	r := Record{"root.email": "a@contoso.example", "work.startDate": "2019-05-01", "internal.terminationDate": "2026-11-30"}
	evs, err := Normalise(n, r, m, testNow)
	if err != nil || len(evs) != 1 || evs[0].Type != hrevent.Termination || evs[0].Employee.LeaveAt != "2026-11-30" {
		t.Fatalf("hibob termination = %+v, %v", evs, err)
	}
	for _, e := range evs {
		if err := hrevent.Validate(e); err != nil {
			t.Fatal(err)
		}
	}
}

// leaver is a record whose hire problems must not hide its termination: start and leave today.
func leaver() Record {
	r := joiner()
	r["hireDate"], r["terminationDate"] = "2026-11-26", "2026-11-26"
	return r
}

func TestNormaliseTerminationSurvivesHireProblems(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated, ChangedFields: []string{"terminationDate"}}
	cases := map[string]struct {
		mutate func(Record, *VendorMapping)
		zone   string
	}{
		"user":       {func(r Record, _ *VendorMapping) { r["workEmail"] = " " }, "Europe/London"},
		"time_zone":  {func(r Record, _ *VendorMapping) { r["customZone"] = "Mars/Olympus" }, "Europe/London"},
		"start_time": {func(r Record, m *VendorMapping) { m.StartTime, r["st"] = "st", "soon" }, "Europe/London"},
		"start_date": {func(r Record, _ *VendorMapping) { r["hireDate"] = "26/11/2026" }, "Europe/London"},
		"no zone": {func(r Record, m *VendorMapping) {
			m.DefaultTimeZone, m.TimeZone = "", ""
		}, ""},
	}
	for name, c := range cases {
		r, m := leaver(), bambooMapping()
		c.mutate(r, &m)
		evs, err := Normalise(n, r, m, testNow)
		if len(evs) != 1 || evs[0].Type != hrevent.Termination || evs[0].Employee.LeaveAt != "2026-11-26" ||
			evs[0].Employee.TimeZone != c.zone {
			t.Fatalf("%s: events = %+v, %v; want the termination", name, evs, err)
		}
		var re *RecordError
		if !errors.As(err, &re) || len(re.Keys) != 1 || !errors.Is(err, ErrUnmappedRecord) {
			t.Fatalf("%s: err = %v, want one problem", name, err)
		}
		for _, v := range []string{"Mars", "soon", "26/11", "contoso"} {
			if strings.Contains(err.Error(), v) {
				t.Fatalf("%s: error %q carries a value", name, err)
			}
		}
	}
	// A status termination survives an unreadable leave date, which is reported.
	r := joiner()
	r["hireDate"], r["status"], r["terminationDate"] = "2020-01-06", "Inactive", "soon"
	evs, err := Normalise(n, r, bambooMapping(), testNow)
	if len(evs) != 1 || evs[0].Type != hrevent.Termination || !errors.Is(err, ErrUnmappedRecord) ||
		!strings.Contains(err.Error(), "leave_date") {
		t.Fatalf("status termination with a bad leave date = %+v, %v", evs, err)
	}
	// Without a problem, the hire and the termination both come, and no error.
	if evs, err := Normalise(n, leaver(), bambooMapping(), testNow); err != nil || len(evs) != 2 {
		t.Fatalf("clean leaver = %+v, %v", evs, err)
	}
}

func TestNormaliseRehireLeavesAreDistinct(t *testing.T) {
	for _, n := range []Notice{
		{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindUpdated, ChangedFields: []string{"status"}},
		{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindTerminated},
	} {
		first, second := joiner(), joiner()
		first["hireDate"], second["hireDate"] = "2020-01-06", "2025-03-01"
		if n.Kind == KindUpdated {
			first["status"], second["status"] = "Inactive", "Inactive"
		}
		a, errA := Normalise(n, first, bambooMapping(), testNow)
		b, errB := Normalise(n, second, bambooMapping(), testNow)
		if errA != nil || errB != nil || len(a) != 1 || len(b) != 1 || a[0].ID == b[0].ID {
			t.Fatalf("%s: leaves of two employments = %+v, %+v (%v, %v)", n.Kind, a, b, errA, errB)
		}
		again, _ := Normalise(n, second, bambooMapping(), testNow.Add(time.Hour))
		if again[0].ID != b[0].ID {
			t.Fatalf("%s: one employment's leave changed id: %s, %s", n.Kind, b[0].ID, again[0].ID)
		}
	}
}

func TestNormaliseLeaveClearedCancelsTheTermination(t *testing.T) {
	at := testNow.Add(-time.Hour).Add(200 * time.Millisecond)
	r := joiner()
	r["hireDate"] = "2020-01-06" // terminationDate 0000-00-00, status Active
	n := Notice{Vendor: VendorBambooHR, DeliveryID: "bamboohr:one", EmployeeID: "123", Kind: KindUpdated,
		OccurredAt: at, ChangedFields: []string{"terminationDate", "status"}}
	evs, err := Normalise(n, r, bambooMapping(), testNow)
	if err != nil || len(evs) != 1 || evs[0].Type != hrevent.TerminationCancelled ||
		!strings.HasPrefix(evs[0].ID, "bamboohr:123:leave-cleared:") || !evs[0].OccurredAt.Equal(at) {
		t.Fatalf("cancellation = %+v, %v", evs, err)
	}
	redelivered := n
	redelivered.DeliveryID, redelivered.OccurredAt = "bamboohr:two", at.Add(300*time.Millisecond)
	redelivered.ChangedFields = []string{"status", "terminationDate"}
	if again, _ := Normalise(redelivered, r, bambooMapping(), testNow); len(again) != 1 || again[0].ID != evs[0].ID {
		t.Fatalf("a re-delivery of the change = %+v, want id %s", again, evs[0].ID)
	}
	later := n
	later.OccurredAt = at.Add(time.Hour)
	if other, _ := Normalise(later, r, bambooMapping(), testNow.Add(2*time.Hour)); len(other) != 1 || other[0].ID == evs[0].ID {
		t.Fatalf("a later withdrawal = %+v, want a new id", other)
	}
	none := map[string]func(*Notice, Record){
		"changed fields unknown": func(n *Notice, _ Record) { n.ChangedFields = nil },
		"other field changed":    func(n *Notice, _ Record) { n.ChangedFields = []string{"department"} },
		"leave date still set":   func(_ *Notice, r Record) { r["terminationDate"] = "2026-12-31" },
		"status still left":      func(_ *Notice, r Record) { r["status"] = "Inactive" },
		"a created notice":       func(n *Notice, _ Record) { n.Kind = KindCreated },
	}
	for name, mutate := range none {
		n2, r2 := n, joiner()
		r2["hireDate"] = "2020-01-06"
		mutate(&n2, r2)
		for _, e := range mustEvents(t, n2, r2, bambooMapping()) {
			if e.Type == hrevent.TerminationCancelled {
				t.Fatalf("%s: got a cancellation", name)
			}
		}
	}
	hb := DefaultMapping(VendorHiBob)
	hb.User, hb.DefaultTimeZone = "root.email", "UTC"
	hn := Notice{Vendor: VendorHiBob, EmployeeID: "77", Kind: KindUpdated, OccurredAt: at,
		ChangedFields: []string{"internal.terminationDate"}}
	hr := Record{"root.email": "a@contoso.example", "work.startDate": "2019-05-01", "internal.lifecycleStatus": "employed"}
	if evs, err := Normalise(hn, hr, hb, testNow); err != nil || len(evs) != 1 || evs[0].Type != hrevent.TerminationCancelled {
		t.Fatalf("hibob cancellation = %+v, %v", evs, err)
	}
}

func mustEvents(t *testing.T, n Notice, r Record, m VendorMapping) []hrevent.Event {
	t.Helper()
	evs, err := Normalise(n, r, m, testNow)
	if err != nil {
		t.Fatalf("Normalise: %v", err)
	}
	return evs
}

func TestDeletedWithoutRecord(t *testing.T) {
	n := Notice{Vendor: VendorBambooHR, EmployeeID: "123", Kind: KindDeleted, OccurredAt: testNow.Add(time.Hour)}
	evs := DeletedWithoutRecord(n, bambooMapping(), testNow)
	if len(evs) != 1 || evs[0].Type != hrevent.Rescind || evs[0].ID != EventID(VendorBambooHR, "123", "rescind", "deleted") ||
		evs[0].Employee.EmployeeID != "123" || !evs[0].OccurredAt.Equal(testNow) || hrevent.Validate(evs[0]) != nil {
		t.Fatalf("rescind = %+v", evs)
	}
	if again := DeletedWithoutRecord(n, bambooMapping(), testNow.Add(time.Hour)); again[0].ID != evs[0].ID {
		t.Fatalf("id not deterministic: %s, %s", evs[0].ID, again[0].ID)
	}
	mapped := bambooMapping()
	mapped.EmployeeID = "employeeNumber"
	other := n
	other.Kind = KindUpdated
	bad := n
	bad.EmployeeID = "not an id"
	for name, c := range map[string]struct {
		n Notice
		m VendorMapping
	}{"mapped employee_id": {n, mapped}, "not deleted": {other, bambooMapping()}, "bad id": {bad, bambooMapping()},
		"another vendor": {n, DefaultMapping(VendorHiBob)}} {
		if evs := DeletedWithoutRecord(c.n, c.m, testNow); evs != nil {
			t.Fatalf("%s: %+v, want none", name, evs)
		}
	}
}
