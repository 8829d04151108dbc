package batch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/hrevent"
)

var now = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

const feed = "\ufefftime_zone,employee_id,user,start_date,start_time\n" +
	"Europe/London,E1001,ada.lovelace@contoso.example,2026-12-01,08:30\n" +
	"America/New_York,E1002,katherine.johnson@contoso.example,2026-12-02,\n" +
	"\n" +
	"Mars/Olympus,E1003,dorothy@contoso.example,2026-13-01,25:00\n" +
	"Europe/Paris,E 4,,2026-12-03,09:00\n" +
	"Europe/London,E1005,x@contoso.example\n" +
	"Europe/London,E1001,ada.lovelace@contoso.example,2026-12-01,08:30\n"

func TestParseKeepsGoodRowsAndNamesBadLines(t *testing.T) {
	rows, bad, err := Parse(strings.NewReader(feed), now)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, 2, rows[0].Line)
	require.Equal(t, "hire:E1001:2026-12-01", rows[0].Event.ID)
	require.Equal(t, "08:30", rows[0].Event.Employee.StartTime)
	require.Equal(t, "", rows[1].Event.Employee.StartTime, "an empty start_time takes the default")
	require.Equal(t, rows[0].Event.ID, rows[2].Event.ID, "the same row, the same id")
	require.Len(t, bad, 3)
	require.Equal(t, 5, bad[0].Line)
	require.Contains(t, bad[0].Error(), "employee.time_zone: unknown IANA zone")
	require.Contains(t, bad[0].Error(), "employee.start_date")
	require.Contains(t, bad[0].Error(), "employee.start_time")
	require.Equal(t, 6, bad[1].Line)
	require.Contains(t, bad[1].Error(), "employee.employee_id")
	require.Contains(t, bad[1].Error(), "employee.user: required")
	require.Equal(t, 7, bad[2].Line)
	require.Contains(t, bad[2].Error(), "has 3 fields, the header has 5")
}

func TestHeaderProblemsStopTheFile(t *testing.T) {
	_, _, err := Parse(strings.NewReader(""), now)
	require.ErrorContains(t, err, "the file is empty")
	_, _, err = Parse(strings.NewReader("employee_id,user,start_date\n"), now)
	require.ErrorContains(t, err, "missing column(s) time_zone")
	_, _, err = Parse(strings.NewReader("employee_id,user,start_date,time_zone,startdate\n"), now)
	require.ErrorContains(t, err, `column 5 is not a known column`)
	require.NotContains(t, err.Error(), "startdate", "the header's text is not repeated")
}

func TestImportCountsAndKeepsGoing(t *testing.T) {
	rows, _, err := Parse(strings.NewReader(feed), now)
	require.NoError(t, err)
	seen := map[string]bool{}
	calls := 0
	submit := func(_ context.Context, e hrevent.Event) (hrevent.Result, error) {
		calls++
		if calls == 2 {
			return hrevent.Result{}, errors.New("temporal unavailable")
		}
		if seen[e.ID] {
			return hrevent.Result{Status: hrevent.StatusDuplicate}, nil
		}
		seen[e.ID] = true
		return hrevent.Result{Status: hrevent.StatusAccepted}, nil
	}
	var progress []int
	s := Import(context.Background(), rows, submit, func(done int) { progress = append(progress, done) })
	require.Equal(t, 1, s.Accepted)
	require.Equal(t, 1, s.Duplicate)
	require.Len(t, s.Failed, 1)
	require.Equal(t, 3, s.Failed[0].Line)
	require.Equal(t, []int{1, 2, 3}, progress)
}

// A row the intake refuses on arrival (an occurred_at in the future) is rejected, naming the field, not failed:
// importing it again would not mend it.
func TestARowRefusedOnArrivalIsRejected(t *testing.T) {
	rows, _, err := Parse(strings.NewReader(feed), now)
	require.NoError(t, err)
	submit := func(context.Context, hrevent.Event) (hrevent.Result, error) {
		return hrevent.Result{}, fmt.Errorf("submit: %w", hrevent.Problems{{Field: "occurred_at", Problem: "is more than 5 minutes in the future"}})
	}
	s := Import(context.Background(), rows, submit, nil)
	require.Empty(t, s.Failed)
	require.Len(t, s.Rejected, len(rows))
	require.Equal(t, "occurred_at", s.Rejected[0].Problems[0].Field)
}
