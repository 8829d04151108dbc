package hrvendor

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadMappingExample(t *testing.T) {
	m, err := LoadMapping(filepath.Join("testdata", "mapping.example.yaml"))
	if err != nil {
		t.Fatalf("LoadMapping(example) = %v", err)
	}
	b, ok := m.For(VendorBambooHR)
	if !ok || b.User != "workEmail" || b.DefaultStartTime != "08:30" || b.Vendor != VendorBambooHR {
		t.Fatalf("bamboohr section = %+v", b)
	}
	h, ok := m.For(VendorHiBob)
	if !ok || h.StartDateFormat != "2006-01-02" || h.DefaultStartTime != "08:00" || h.MaxHireAgeDays != 14 {
		t.Fatalf("hibob section (defaults) = %+v", h)
	}
	want := []string{"root.id", "root.email", "work.startDate", "internal.terminationDate", "internal.lifecycleStatus",
		"work.department", "work.title", "home.privateEmail", "home.mobilePhone"}
	if got := h.Fields(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Fields = %v, want %v", got, want)
	}
}

func TestParseMappingProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"empty", ``, []string{"mapping: empty; add a bamboohr: or hibob: section"}},
		{"unknown vendor", "personio:\n  user: x\n", []string{"mapping.personio: unknown vendor; use bamboohr or hibob"}},
		{"unknown key", "bamboohr:\n  user: workEmail\n  default_time_zone: UTC\n  timezone: Europe/Paris\n",
			[]string{"mapping.bamboohr.timezone: unknown key; known keys are default_start_time, default_time_zone,"}},
		{"no zone, no user", "hibob:\n  start_date: work.startDate\n", []string{
			"mapping.hibob.time_zone: neither a field nor default_time_zone is set; set default_time_zone to an IANA zone such as Europe/London",
			"mapping.hibob.user: not set; set it to the field holding the Entra userPrincipalName, such as workEmail or a custom field",
		}},
		{"bad values", "bamboohr:\n  user: workEmail\n  default_time_zone: Mars/Olympus\n  start_date_format: dd.mm.yyyy\n" +
			"  default_start_time: '8:30'\n  status: ''\n  max_hire_age_days: -1\n", []string{
			`mapping.bamboohr.default_start_time: must be HH:MM (00:00-23:59), such as 08:30`,
			`mapping.bamboohr.default_time_zone: unknown IANA zone "Mars/Olympus"; use a name such as Europe/London or America/New_York`,
			`mapping.bamboohr.max_hire_age_days: must be 0 or more`,
			`mapping.bamboohr.start_date_format: not a Go date layout with year, month and day; use one such as 2006-01-02 or 02/01/2006`,
			`mapping.bamboohr.status: not set while terminated_values lists values; set it to the status field, such as status`,
		}},
		{"wrong type", "bamboohr:\n  user: workEmail\n  default_time_zone: UTC\n  max_hire_age_days: soon\n",
			[]string{"mapping.bamboohr: yaml: unmarshal errors"}},
		{"not a map", "hibob: [1, 2]\n", []string{"mapping.hibob: must be a map of keys such as user: and start_date:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(c.yaml))
			var me *MappingError
			if !errors.As(err, &me) {
				t.Fatalf("ParseMapping = %v, want a *MappingError", err)
			}
			if len(me.Problems) != len(c.want) {
				t.Fatalf("problems = %q, want %d like %q", me.Problems, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(me.Problems[i], w) {
					t.Errorf("problem %d = %q, want prefix %q", i, me.Problems[i], w)
				}
			}
		})
	}
}

func TestParseMappingClearsDefault(t *testing.T) {
	m, err := ParseMapping([]byte("bamboohr:\n  user: customUPN\n  time_zone: customZone\n  leave_date: ''\n  department: ''\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.For(VendorBambooHR)
	if b.LeaveDate != "" || b.Department != "" || b.StartDate != "hireDate" || b.TimeZone != "customZone" {
		t.Fatalf("section = %+v", b)
	}
	if _, ok := m.For(VendorHiBob); ok {
		t.Fatal("hibob section present")
	}
}
