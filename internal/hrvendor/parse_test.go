package hrvendor

import (
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBambooHRParseEventBased(t *testing.T) {
	body := readTestdata(t, "bamboohr_event_updated.json")
	ns, err := NewBambooHR(BambooHRConfig{}).Parse(body, testNow)
	if err != nil || len(ns) != 1 {
		t.Fatalf("Parse = %v, %v", ns, err)
	}
	n := ns[0]
	want := Notice{Vendor: VendorBambooHR, DeliveryID: n.DeliveryID, EmployeeID: "67890", Kind: KindUpdated,
		OccurredAt: time.Date(2026, 1, 31, 18, 42, 0, 0, time.UTC), ChangedFields: []string{"firstName"}}
	if !reflect.DeepEqual(n.ChangedFields, want.ChangedFields) || n.EmployeeID != want.EmployeeID ||
		n.Kind != want.Kind || !n.OccurredAt.Equal(want.OccurredAt) || n.Record != nil {
		t.Fatalf("notice = %+v, want %+v", n, want)
	}
	again, _ := NewBambooHR(BambooHRConfig{}).Parse(body, testNow)
	if again[0].DeliveryID != n.DeliveryID || len(n.DeliveryID) != len("bamboohr:")+16 {
		t.Fatalf("delivery id %q not deterministic", n.DeliveryID)
	}
}

func TestBambooHRParseKindsAndNumbers(t *testing.T) {
	b := NewBambooHR(BambooHRConfig{})
	for body, kind := range map[string]string{
		`{"type":"employee.created","timestamp":"2026-01-31T18:42:00+0000","data":{"companyId":"1","employeeId":7}}`:   KindCreated,
		`{"type":"employee.deleted","timestamp":"2026-01-31T18:42:00+0000","data":{"companyId":"1","employeeId":"7"}}`: KindDeleted,
	} {
		ns, err := b.Parse([]byte(body), testNow)
		if err != nil || len(ns) != 1 || ns[0].Kind != kind || ns[0].EmployeeID != "7" {
			t.Fatalf("Parse(%s) = %+v, %v", body, ns, err)
		}
	}
	if ns, err := b.Parse([]byte(`{"type":"company.updated","data":{}}`), testNow); err != nil || len(ns) != 0 {
		t.Fatalf("company event: %v, %v", ns, err)
	}
	for _, bad := range []string{`type=employee.updated`, `{"type":"employee.updated"}`, `{"foo":1}`} {
		if _, err := b.Parse([]byte(bad), testNow); !errors.Is(err, ErrPayload) {
			t.Fatalf("Parse(%s) err = %v, want ErrPayload", bad, err)
		}
	}
}

func TestBambooHRParseFieldBased(t *testing.T) {
	ns, err := NewBambooHR(BambooHRConfig{}).Parse(readTestdata(t, "bamboohr_field_based.json"), testNow)
	if err != nil || len(ns) != 2 {
		t.Fatalf("Parse = %v, %v", ns, err)
	}
	if ns[0].Kind != KindUpdated || ns[0].Record["Job Title"] != "Senior HR Administrator" || ns[0].Record["id"] != "12345" {
		t.Fatalf("first notice = %+v", ns[0])
	}
	if ns[1].Kind != KindCreated || ns[1].Record != nil || ns[0].DeliveryID == ns[1].DeliveryID {
		t.Fatalf("second notice = %+v", ns[1])
	}
}

func TestHiBobParse(t *testing.T) {
	b := NewHiBob(HiBobConfig{})
	ns, err := b.Parse(readTestdata(t, "hibob_employee_updated.json"), testNow)
	if err != nil || len(ns) != 1 {
		t.Fatalf("Parse = %v, %v", ns, err)
	}
	n := ns[0]
	if n.Kind != KindUpdated || n.EmployeeID != "3332883854254932743" || n.Record != nil ||
		!reflect.DeepEqual(n.ChangedFields, []string{"work.department", "work.title"}) ||
		!n.OccurredAt.Equal(time.Date(2025, 1, 8, 13, 6, 26, 915906000, time.UTC)) {
		t.Fatalf("notice = %+v", n)
	}
	ns, err = b.Parse(readTestdata(t, "hibob_table_entry_created.json"), testNow)
	if err != nil || len(ns) != 1 || ns[0].Kind != KindUpdated || ns[0].ChangedFields != nil {
		t.Fatalf("table entry: %+v, %v", ns, err)
	}
	for body, kind := range map[string]string{
		`{"type":"employee.left","triggeredAt":"2025-01-08T13:06:26","version":"v2","data":{"employeeId":"9"}}`:    KindTerminated,
		`{"type":"employee.deleted","triggeredAt":"2025-01-08T13:06:26","version":"v2","data":{"employeeId":"9"}}`: KindDeleted,
		`{"type":"employee.created","triggeredAt":"2025-01-08T13:06:26","version":"v2","data":{"employeeId":9}}`:   KindCreated,
	} {
		ns, err := b.Parse([]byte(body), testNow)
		if err != nil || len(ns) != 1 || ns[0].Kind != kind || ns[0].EmployeeID != "9" {
			t.Fatalf("Parse(%s) = %+v, %v", body, ns, err)
		}
	}
	for _, quiet := range []string{`Ping test`, `"Ping test"`, `{"text":"Ping test"}`, `{"type":"timeoff.request.created","data":{}}`} {
		if ns, err := b.Parse([]byte(quiet), testNow); err != nil || len(ns) != 0 {
			t.Fatalf("Parse(%s) = %v, %v", quiet, ns, err)
		}
	}
	if _, err := b.Parse([]byte(`{"type":"employee.updated","employee":{"id":"1"}}`), testNow); !errors.Is(err, ErrPayload) {
		t.Fatalf("v1 payload err = %v", err)
	}
}

func TestFlattenJSON(t *testing.T) {
	var v map[string]any
	if err := decodeJSON([]byte(`{"id":3332883854254932743,"work":{"startDate":"2026-12-01","custom":{"upn":"a@b"}},`+
		`"emails":["x","y"],"active":true,"gone":null}`), &v); err != nil {
		t.Fatal(err)
	}
	got := Record{}
	FlattenJSON(v, "", got)
	want := Record{"id": "3332883854254932743", "work.startDate": "2026-12-01", "work.custom.upn": "a@b",
		"emails.0": "x", "emails.1": "y", "active": "true"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("flatten = %v, want %v", got, want)
	}
}
