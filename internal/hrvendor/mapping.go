package hrvendor

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// VendorMapping says which of a vendor's record fields carries each part of an HR event. Field names are the
// vendor's (BambooHR field aliases such as hireDate; Bob field ids such as work.startDate, root.email).
type VendorMapping struct {
	Vendor string `yaml:"-"` // set by ParseMapping from the section name

	EmployeeID       string   `yaml:"employee_id"`        // field for employee.employee_id; empty = the vendor's id
	User             string   `yaml:"user"`               // field holding the Entra UPN or object id (required)
	StartDate        string   `yaml:"start_date"`         // field holding the first working day
	StartDateFormat  string   `yaml:"start_date_format"`  // Go layout of StartDate; default 2006-01-02
	TimeZone         string   `yaml:"time_zone"`          // field holding an IANA zone; empty = DefaultTimeZone
	DefaultTimeZone  string   `yaml:"default_time_zone"`  // zone when TimeZone is unset or empty on a record
	StartTime        string   `yaml:"start_time"`         // field holding the local start time (HH:MM)
	DefaultStartTime string   `yaml:"default_start_time"` // start time when StartTime is unset or empty
	LeaveDate        string   `yaml:"leave_date"`         // field holding the termination date
	LeaveDateFormat  string   `yaml:"leave_date_format"`  // Go layout of LeaveDate; default 2006-01-02
	Status           string   `yaml:"status"`             // field holding the employment status
	TerminatedValues []string `yaml:"terminated_values"`  // Status values meaning the employee has left
	Department       string   `yaml:"department"`         // field for changes.department
	JobTitle         string   `yaml:"job_title"`          // field for changes.job_title
	PersonalEmail    string   `yaml:"personal_email"`     // field for employee.personal_email
	MobilePhone      string   `yaml:"mobile_phone"`       // field for employee.mobile_phone (E.164)
	// MaxHireAgeDays: a start date more than this many days in the past gives no hire event, so that the first
	// change to a long-standing employee does not start an onboarding. 0 = only start dates today or later.
	MaxHireAgeDays int `yaml:"max_hire_age_days"`
}

// Mapping is the mapping file: one section per vendor in use.
type Mapping struct {
	BambooHR *VendorMapping `yaml:"bamboohr"`
	HiBob    *VendorMapping `yaml:"hibob"`
}

// For returns the vendor's section, and whether the file has one.
func (m Mapping) For(vendor string) (VendorMapping, bool) {
	switch vendor {
	case VendorBambooHR:
		if m.BambooHR != nil {
			return *m.BambooHR, true
		}
	case VendorHiBob:
		if m.HiBob != nil {
			return *m.HiBob, true
		}
	}
	return VendorMapping{}, false
}

// DefaultMapping is a vendor's defaults, which a section's keys override (User and a time zone have none).
func DefaultMapping(vendor string) VendorMapping {
	m := VendorMapping{Vendor: vendor, StartDateFormat: "2006-01-02", LeaveDateFormat: "2006-01-02",
		DefaultStartTime: "08:00", MaxHireAgeDays: 14}
	switch vendor {
	case VendorBambooHR:
		m.StartDate, m.LeaveDate, m.Status = "hireDate", "terminationDate", "status"
		m.TerminatedValues = []string{"Inactive"}
		m.Department, m.JobTitle, m.PersonalEmail, m.MobilePhone = "department", "jobTitle", "homeEmail", "mobilePhone"
	case VendorHiBob:
		m.StartDate, m.LeaveDate, m.Status = "work.startDate", "internal.terminationDate", "internal.lifecycleStatus"
		m.TerminatedValues = []string{"terminated"}
		m.Department, m.JobTitle = "work.department", "work.title"
		m.PersonalEmail, m.MobilePhone = "home.privateEmail", "home.mobilePhone"
	}
	return m
}

// Fields lists the record fields the mapping reads, for the adapter's Fields setting.
func (m VendorMapping) Fields() []string {
	seen := map[string]bool{}
	out := []string{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if m.Vendor == VendorBambooHR {
		add("id")
	} else if m.Vendor == VendorHiBob {
		add("root.id")
	}
	for _, f := range []string{m.EmployeeID, m.User, m.StartDate, m.TimeZone, m.StartTime, m.LeaveDate, m.Status,
		m.Department, m.JobTitle, m.PersonalEmail, m.MobilePhone} {
		add(f)
	}
	return out
}

// MappingError lists every problem of a mapping file, each naming its key and the fix.
type MappingError struct{ Problems []string }

// Error joins the problems into one line.
func (e *MappingError) Error() string { return "invalid mapping: " + strings.Join(e.Problems, "; ") }

// LoadMapping reads and parses the mapping file at path (see ParseMapping).
func LoadMapping(path string) (Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Mapping{}, fmt.Errorf("mapping: reading %s: %w", path, err)
	}
	m, err := ParseMapping(data)
	if err != nil {
		return Mapping{}, fmt.Errorf("mapping %s: %w", path, err)
	}
	return m, nil
}

// ParseMapping parses a mapping file: unknown keys are refused, defaults fill the keys a section leaves out, and
// every problem is reported at once as a *MappingError.
func ParseMapping(data []byte) (Mapping, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Mapping{}, &MappingError{Problems: []string{"mapping: not valid YAML: " + err.Error()}}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode || len(root.Content[0].Content) == 0 {
		return Mapping{}, &MappingError{Problems: []string{"mapping: empty; add a bamboohr: or hibob: section"}}
	}
	var m Mapping
	var ps []string
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		name, node := doc.Content[i].Value, doc.Content[i+1]
		var dst **VendorMapping
		switch name {
		case VendorBambooHR:
			dst = &m.BambooHR
		case VendorHiBob:
			dst = &m.HiBob
		default:
			ps = append(ps, fmt.Sprintf("mapping.%s: unknown vendor; use bamboohr or hibob", name))
			continue
		}
		vm, problems := decodeVendor(name, node)
		ps = append(ps, problems...)
		*dst = &vm
	}
	if len(ps) > 0 {
		return Mapping{}, &MappingError{Problems: ps}
	}
	return m, nil
}

// decodeVendor decodes one vendor section over its defaults and validates it.
func decodeVendor(vendor string, node *yaml.Node) (VendorMapping, []string) {
	vm := DefaultMapping(vendor)
	if node.Kind != yaml.MappingNode {
		return vm, []string{fmt.Sprintf("mapping.%s: must be a map of keys such as user: and start_date:", vendor)}
	}
	known := mappingKeys()
	var ps []string
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := node.Content[i].Value; !known[k] {
			ps = append(ps, fmt.Sprintf("mapping.%s.%s: unknown key; known keys are %s", vendor, k, strings.Join(sortedKeys(known), ", ")))
		}
	}
	if len(ps) > 0 {
		return vm, ps
	}
	if err := node.Decode(&vm); err != nil {
		return vm, []string{fmt.Sprintf("mapping.%s: %v", vendor, err)}
	}
	vm.Vendor = vendor
	return vm, vm.validate()
}

// mappingKeys are the YAML keys of VendorMapping.
func mappingKeys() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[VendorMapping]()
	for i := range t.NumField() {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			keys[tag] = true
		}
	}
	return keys
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// validate lists every problem of a decoded section, each naming its key and the fix.
func (m VendorMapping) validate() []string {
	var ps []string
	add := func(key, format string, args ...any) {
		ps = append(ps, fmt.Sprintf("mapping.%s.%s: ", m.Vendor, key)+fmt.Sprintf(format, args...))
	}
	if m.User == "" {
		add("user", "not set; set it to the field holding the Entra userPrincipalName, such as workEmail or a custom field")
	}
	if m.StartDate == "" {
		add("start_date", "not set; set it to the field holding the first working day, such as hireDate (BambooHR) or work.startDate (HiBob)")
	}
	if m.TimeZone == "" && m.DefaultTimeZone == "" {
		add("time_zone", "neither a field nor default_time_zone is set; set default_time_zone to an IANA zone such as Europe/London")
	}
	if z := m.DefaultTimeZone; z != "" {
		if _, err := time.LoadLocation(z); err != nil || z == "Local" {
			add("default_time_zone", "unknown IANA zone %q; use a name such as Europe/London or America/New_York", z)
		}
	}
	for key, layout := range map[string]string{"start_date_format": m.StartDateFormat, "leave_date_format": m.LeaveDateFormat} {
		if !dateLayoutOK(layout) {
			add(key, "not a Go date layout with year, month and day; use one such as 2006-01-02 or 02/01/2006")
		}
	}
	if m.DefaultStartTime != "" && !hhmm.MatchString(m.DefaultStartTime) {
		add("default_start_time", "must be HH:MM (00:00-23:59), such as 08:30")
	}
	if m.Status != "" && len(m.TerminatedValues) == 0 {
		add("terminated_values", "empty while status is set; list the status values meaning the employee has left, such as Inactive")
	}
	if m.Status == "" && len(m.TerminatedValues) > 0 {
		add("status", "not set while terminated_values lists values; set it to the status field, such as status")
	}
	if m.MaxHireAgeDays < 0 {
		add("max_hire_age_days", "must be 0 or more (days after the start date a record still gives a hire)")
	}
	sort.Strings(ps)
	return ps
}

// dateLayoutOK reports whether layout is a Go date layout that round-trips a date with year, month and day.
func dateLayoutOK(layout string) bool {
	if layout == "" {
		return false
	}
	ref := time.Date(2031, time.November, 23, 0, 0, 0, 0, time.UTC)
	t, err := time.Parse(layout, ref.Format(layout))
	return err == nil && t.Year() == 2031 && t.Month() == time.November && t.Day() == 23
}
