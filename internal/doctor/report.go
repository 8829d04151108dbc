// Package doctor checks that a tapflow deployment can work: the Temporal cluster, its namespace and search
// attributes, the Graph task-queue rate limit, the Graph token and the permissions it carries, the tenant's
// Temporary Access Pass policy and the sender mailbox. Each check says what is wrong and how to fix it.
package doctor

import (
	"fmt"
	"io"
)

// Status is a check's result.
type Status string

const (
	OK   Status = "ok"   // the check passed
	Warn Status = "warn" // tapflow works, but not as safely as it should
	Fail Status = "fail" // tapflow will not work until this is fixed
	Info Status = "info" // not checkable here; says why
)

// Check is one line of the checklist.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the whole checklist, in the order the checks ran.
type Report struct {
	Checks []Check `json:"checks"`
}

func (r *Report) add(name string, st Status, detail, fix string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: st, Detail: detail, Fix: fix})
}

// Count is the number of checks with the status.
func (r Report) Count(st Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == st {
			n++
		}
	}
	return n
}

// Green reports whether nothing failed or warned.
func (r Report) Green() bool { return r.Count(Fail) == 0 && r.Count(Warn) == 0 }

// Write prints the checklist: a mark, the check, its detail, and the fix under a failed or warned check.
func (r Report) Write(w io.Writer) {
	marks := map[Status]string{OK: "[ok]  ", Warn: "[warn]", Fail: "[FAIL]", Info: "[info]"}
	for _, c := range r.Checks {
		line := fmt.Sprintf("%s %s", marks[c.Status], c.Name)
		if c.Detail != "" {
			line += ": " + c.Detail
		}
		fmt.Fprintln(w, line)
		if c.Fix != "" && (c.Status == Fail || c.Status == Warn) {
			fmt.Fprintf(w, "       fix: %s\n", c.Fix)
		}
	}
	switch {
	case r.Green():
		fmt.Fprintf(w, "\nall %d checks passed", r.Count(OK))
		if n := r.Count(Info); n > 0 {
			fmt.Fprintf(w, " (%d not checkable here, see [info])", n)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "\n%d failed, %d warnings, %d passed\n", r.Count(Fail), r.Count(Warn), r.Count(OK))
	}
}
