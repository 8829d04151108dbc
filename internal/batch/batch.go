// Package batch reads the onboarding CSV (docs/batches.md) and feeds each valid row through the intake as
// a hire event whose id comes from (employee_id, start_date), so importing the same file again, or a daily
// feed that repeats yesterday's rows, changes nothing. A bad row is reported with its line number; the good
// rows around it still go in.
package batch

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// Columns are the CSV columns, in any order; start_time may be left out.
func Columns() []string {
	return []string{"employee_id", "user", "start_date", "time_zone", "start_time"}
}

// Row is one valid line as a hire event.
type Row struct {
	Line  int           `json:"line"`
	Event hrevent.Event `json:"event"`
}

// LineError is a line that was not imported, and why.
type LineError struct {
	Line     int               `json:"line"`
	Problems []hrevent.Problem `json:"problems"`
}

func (e LineError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Problem
	}
	return fmt.Sprintf("line %d: %s", e.Line, strings.Join(parts, "; "))
}

// EventID is a hire row's idempotency key.
func EventID(employeeID, startDate string) string { return "hire:" + employeeID + ":" + startDate }

// Parse reads the CSV. A header problem is an error for the whole file; a row problem is a LineError and the
// other rows are still returned.
func Parse(r io.Reader, now time.Time) ([]Row, []LineError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("line 1: the file is empty: it needs a header row " + strings.Join(Columns(), ","))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: %w", err)
	}
	index := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if !slices.Contains(Columns(), name) {
			// The header's text is not repeated: a feed read from the wrong place must not show what it holds.
			return nil, nil, fmt.Errorf("line 1: column %d is not a known column: the columns are %s (start_time optional)",
				i+1, strings.Join(Columns(), ", "))
		}
		if _, dup := index[name]; dup {
			return nil, nil, fmt.Errorf("line 1: column %q appears twice", name)
		}
		index[name] = i
	}
	var missing []string
	for _, c := range Columns()[:4] {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("line 1: missing column(s) %s", strings.Join(missing, ", "))
	}
	var rows []Row
	var bad []LineError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			bad = append(bad, LineError{Line: line, Problems: []hrevent.Problem{{Field: "row", Problem: err.Error()}}})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		row, lerr := toRow(line, rec, index, len(header), now)
		if lerr != nil {
			bad = append(bad, *lerr)
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

func toRow(line int, rec []string, index map[string]int, width int, now time.Time) (Row, *LineError) {
	if len(rec) != width {
		return Row{}, &LineError{Line: line, Problems: []hrevent.Problem{{Field: "row",
			Problem: fmt.Sprintf("has %d fields, the header has %d", len(rec), width)}}}
	}
	for _, v := range rec {
		if !utf8.ValidString(v) {
			return Row{}, &LineError{Line: line, Problems: []hrevent.Problem{{Field: "row", Problem: "is not UTF-8"}}}
		}
	}
	get := func(name string) string {
		if i, ok := index[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e := hrevent.Event{ID: EventID(get("employee_id"), get("start_date")), Type: hrevent.Hire, OccurredAt: now.UTC(),
		Employee: hrevent.Employee{EmployeeID: get("employee_id"), User: get("user"), TimeZone: get("time_zone"),
			StartDate: get("start_date"), StartTime: get("start_time")}}
	if err := hrevent.Validate(e); err != nil {
		var ps hrevent.Problems
		errors.As(err, &ps)
		var kept []hrevent.Problem
		for _, p := range ps {
			if p.Field != "id" { // the id is derived; its problem is the employee id's or the date's
				kept = append(kept, p)
			}
		}
		return Row{}, &LineError{Line: line, Problems: kept}
	}
	return Row{Line: line, Event: e}, nil
}

// Summary is what an import did.
type Summary struct {
	Accepted  int         `json:"accepted"`
	Duplicate int         `json:"duplicate"`
	Stale     int         `json:"stale"`
	Rejected  []LineError `json:"rejected"`
	Failed    []LineError `json:"failed"` // valid rows that could not be handed to Temporal: run the import again
}

// Submitter hands one event to Temporal (intake.Submit, bound to a client).
type Submitter func(ctx context.Context, e hrevent.Event) (hrevent.Result, error)

// Import submits every row, calling progress after each, and adds the rows' outcomes to the summary.
func Import(ctx context.Context, rows []Row, submit Submitter, progress func(done int)) Summary {
	var s Summary
	for i, r := range rows {
		res, err := submit(ctx, r.Event)
		var ps hrevent.Problems
		switch {
		case errors.As(err, &ps): // refused on arrival (hrevent.CheckReceived): a retry would not mend it
			s.Rejected = append(s.Rejected, LineError{Line: r.Line, Problems: ps})
		case err != nil:
			s.Failed = append(s.Failed, LineError{Line: r.Line, Problems: []hrevent.Problem{{Field: "row", Problem: err.Error()}}})
		case res.Status == hrevent.StatusDuplicate:
			s.Duplicate++
		case res.Status == hrevent.StatusStale:
			s.Stale++
		default:
			s.Accepted++
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	return s
}
