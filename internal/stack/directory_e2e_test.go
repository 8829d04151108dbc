package stack

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// directoryRules scope the directory source to the demo directory's joiners group; a first morning begins at
// midnight UTC, so a hire dated today starts at once.
func directoryRules() dirsync.Rules {
	r := dirsync.DefaultRules()
	r.ScopeGroups, r.StartTime = []string{graphemu.DemoNewJoinersGroupID}, "00:00"
	return r
}

// patchUser changes a user in the emulator, as HR's provisioning would in Entra.
func patchUser(t *testing.T, s *Stack, id, body string) {
	t.Helper()
	resp, _ := testkit.Do(t, http.DefaultClient, http.MethodPatch, s.EmulatorURL()+"/_emulator/users/"+id, nil, body)
	require.Less(t, resp.StatusCode, 300)
}

// utcDay is midnight UTC days from today, as inbound provisioning writes employeeHireDate.
func utcDay(days int) string {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()+days, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

// waitJourney waits until the employee's journey satisfies ok.
func waitJourney(t *testing.T, s *Stack, employee, what string, ok func(workflows.Journey) bool) workflows.Journey {
	t.Helper()
	var j workflows.Journey
	require.Eventually(t, func() bool {
		v, err := s.Client().QueryWorkflow(context.Background(), workflows.EmployeeWorkflowID(employee), "", workflows.QueryStatus)
		var st workflows.Status
		if err != nil || v.Get(&st) != nil || st.Journey == nil {
			return false // not started yet
		}
		j = *st.Journey
		return ok(j)
	}, 2*time.Minute, 250*time.Millisecond, what)
	return j
}

// TestTheDirectorySourceRunsAJoinerFromEntra plays the directory source's journey as Entra inbound provisioning
// would drive it: a hire date set for tomorrow schedules the joiner; moved to today, the pass is issued and
// delivered at once (the first morning began at midnight); a leave date revokes it. People outside the scope
// (an existing employee outside the joiners group, a guest) get a hire date too, and nothing happens to them
// but an audited skip with its reason code.
func TestTheDirectorySourceRunsAJoinerFromEntra(t *testing.T) {
	var auditLog, logs testkit.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(logs.String(), "\n") {
				if !strings.Contains(l, "temporal-server") {
					t.Log(l)
				}
			}
		}
	})
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) {
		c.AuditLog = &auditLog
		c.Directory.Settings = activities.DirectorySyncSettings{On: true, Interval: 10 * time.Second, Rules: directoryRules()}
	})
	ada := graphemu.DemoAdaLovelaceID
	waitDirectoryRounds(t, s, 1) // the baseline
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%+v", directoryStatus(t, s))
		}
	})

	patchUser(t, s, ada, fmt.Sprintf(`{"employeeHireDate":%q}`, utcDay(1)))
	patchUser(t, s, graphemu.DemoRadiaPerlmanID, fmt.Sprintf(`{"employeeHireDate":%q}`, utcDay(0)))
	patchUser(t, s, graphemu.DemoHedyLamarrID, fmt.Sprintf(`{"employeeHireDate":%q}`, utcDay(0)))
	j := waitJourney(t, s, "E1001", "the hire dated tomorrow schedules the joiner", func(j workflows.Journey) bool {
		return j.Stage == workflows.StageWaitingForStart
	})
	require.Equal(t, time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02"), j.StartDate)
	require.Empty(t, issuedPasses(t, s, ada))

	patchUser(t, s, ada, fmt.Sprintf(`{"employeeHireDate":%q}`, utcDay(0)))
	waitJourney(t, s, "E1001", "the hire date moved to today issues and delivers the pass", func(j workflows.Journey) bool {
		return j.Stage == workflows.StageAwaitingRegistration
	})
	require.Len(t, issuedPasses(t, s, ada), 1)
	require.True(t, alertedTo(t, s, "grace.hopper@contoso.example"), "the manager has the pass")

	patchUser(t, s, ada, fmt.Sprintf(`{"employeeLeaveDateTime":%q}`, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)))
	j = waitJourney(t, s, "E1001", "the leave date revokes the pass", func(j workflows.Journey) bool {
		return j.Stage == workflows.StageDone
	})
	require.Equal(t, workflows.OutcomeDeparted, j.Outcome, j.Reason)
	var u emuUser
	getJSON(t, s.EmulatorURL()+"/_emulator/users/"+ada, &u)
	require.Nil(t, u.TemporaryAccessPass, "the pass is revoked")

	require.Empty(t, issuedPasses(t, s, graphemu.DemoRadiaPerlmanID), "outside the scope group")
	require.Empty(t, issuedPasses(t, s, graphemu.DemoHedyLamarrID), "a guest")
	require.Contains(t, auditLog.String(), `"reason":"directory: out_of_scope"`)
	require.Contains(t, auditLog.String(), `"reason":"directory: guest"`)
	st := directoryStatus(t, s)
	require.True(t, st.Healthy, st.Problem)
	require.Equal(t, 1, st.Baselines)
}

// alertedTo says a mail went to the address.
func alertedTo(t *testing.T, s *Stack, to string) bool {
	var mails []emuMail
	getJSON(t, s.EmulatorURL()+"/_emulator/mail", &mails)
	for _, m := range mails {
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				return true
			}
		}
	}
	return false
}

// directoryStatus asks the directory source's workflow for its status.
func directoryStatus(t *testing.T, s *Stack) workflows.DirectoryStatus {
	t.Helper()
	v, err := s.Client().QueryWorkflow(context.Background(), dirsync.WorkflowID, "", dirsync.QueryStatus)
	require.NoError(t, err)
	var st workflows.DirectoryStatus
	require.NoError(t, v.Get(&st))
	return st
}

// waitDirectoryRounds waits until the directory source has read n rounds.
func waitDirectoryRounds(t *testing.T, s *Stack, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		v, err := s.Client().QueryWorkflow(context.Background(), dirsync.WorkflowID, "", dirsync.QueryStatus)
		var st workflows.DirectoryStatus
		return err == nil && v.Get(&st) == nil && st.Rounds >= n
	}, time.Minute, 200*time.Millisecond)
}

// TestADirectoryRoundReadThreeTimesHasOneEffect reads the same round of the delta query three times (a retry,
// a restart) and then afresh (Graph forgot the link): the hire in it is accepted once, a duplicate after that,
// and one pass is issued. Then the joiner is taken out of the scope group and disabled, as offboarding does:
// tapflow knows them, so the leaver is carried out; an unknown user outside the scope disabled alike is left
// alone.
func TestADirectoryRoundReadThreeTimesHasOneEffect(t *testing.T) {
	s := journeyStack(t, slog.New(slog.DiscardHandler), nil)
	reader, ok := s.graph.(graph.DirectoryReader)
	require.True(t, ok)
	sync := &activities.DirectorySync{Directory: reader, Graph: s.graph, Rules: directoryRules(), Audit: audit.Log{}, Known: s.knownEmployee,
		Submit: func(ctx context.Context, e hrevent.Event) (hrevent.Result, error) {
			return intake.Submit(ctx, s.Client(), e)
		}}
	ctx := context.Background()
	base, err := sync.SyncDirectory(ctx, activities.DirectorySyncRequest{})
	require.NoError(t, err)
	require.True(t, base.Baseline)
	require.Empty(t, base.Outcomes, "the demo directory has no hire dates")

	patchUser(t, s, graphemu.DemoKatherineID, fmt.Sprintf(`{"employeeHireDate":%q,"department":"Research"}`, utcDay(0)))
	for i, want := range []string{hrevent.StatusAccepted, hrevent.StatusDuplicate, hrevent.StatusDuplicate} {
		res, err := sync.SyncDirectory(ctx, activities.DirectorySyncRequest{DeltaLink: base.DeltaLink})
		require.NoError(t, err)
		require.Equal(t, map[string]int{want: 1}, res.Outcomes, "reading %d", i+1)
	}
	again, err := sync.SyncDirectory(ctx, activities.DirectorySyncRequest{DeltaLink: s.EmulatorURL() + "/v1.0/users/delta?$deltatoken=forgotten"})
	require.NoError(t, err)
	require.True(t, again.Restarted)
	require.Equal(t, map[string]int{hrevent.StatusDuplicate: 1}, again.Outcomes)

	waitJourney(t, s, "E1002", "one journey", func(j workflows.Journey) bool { return j.Stage == workflows.StageAwaitingRegistration })
	require.Len(t, issuedPasses(t, s, graphemu.DemoKatherineID), 1)
	for _, e := range journeyStatus(t, s, workflows.EmployeeWorkflowID("E1002")).Events {
		require.NotEqual(t, hrevent.JobChange, e.Type, "a hire with its department is not also a job change")
	}

	patchUser(t, s, graphemu.DemoKatherineID, `{"groups":[]}`)
	patchUser(t, s, graphemu.DemoKatherineID, `{"accountEnabled":false}`)
	patchUser(t, s, graphemu.DemoRadiaPerlmanID, `{"accountEnabled":false}`)
	left, err := sync.SyncDirectory(ctx, activities.DirectorySyncRequest{DeltaLink: again.DeltaLink})
	require.NoError(t, err)
	require.Equal(t, map[string]int{hrevent.StatusAccepted: 1}, left.Outcomes, "Katherine's leave")
	require.Equal(t, 1, left.Skipped[dirsync.SkipOutOfScope], "Radia: unknown to tapflow and out of scope")
	j := waitJourney(t, s, "E1002", "the leaver stops the journey", func(j workflows.Journey) bool { return j.Stage == workflows.StageDone })
	require.Equal(t, workflows.OutcomeDeparted, j.Outcome)
	_, err = s.Client().DescribeWorkflowExecution(ctx, workflows.EmployeeWorkflowID("E0999"), "")
	require.Error(t, err, "nothing started for the user out of scope")
}

// TestJoiningAScopeOrPrivilegedGroupIsAChange follows the groups delta query: a coming hire outside the scope is
// left alone until HR adds the person to the scope group, which arms it; a user added to a privileged group is
// a job change that makes them privileged.
func TestJoiningAScopeOrPrivilegedGroupIsAChange(t *testing.T) {
	s := journeyStack(t, slog.New(slog.DiscardHandler), nil)
	emu := s.EmulatorURL() + "/_emulator"
	var g struct{ ID string }
	postJSON(t, emu+"/groups", `{"displayName":"Payment approvers"}`, &g)
	require.NotEmpty(t, g.ID)
	reader := s.graph.(graph.DirectoryReader)
	rules := directoryRules()
	rules.PrivilegedGroups = []string{g.ID}
	sync := &activities.DirectorySync{Directory: reader, Groups: s.graph.(graph.GroupReader), Graph: s.graph, Rules: rules,
		Known: s.knownEmployee, Submit: func(ctx context.Context, e hrevent.Event) (hrevent.Result, error) {
			return intake.Submit(ctx, s.Client(), e)
		}}
	ctx := context.Background()
	round := func(prev activities.DirectorySyncResult) activities.DirectorySyncResult {
		res, err := sync.SyncDirectory(ctx, activities.DirectorySyncRequest{DeltaLink: prev.DeltaLink, GroupsLink: prev.GroupsLink})
		require.NoError(t, err)
		return res
	}
	base := round(activities.DirectorySyncResult{})
	require.NotEmpty(t, base.GroupsLink)
	require.Empty(t, base.Outcomes)

	patchUser(t, s, graphemu.DemoRadiaPerlmanID, fmt.Sprintf(`{"employeeHireDate":%q}`, utcDay(7)))
	outside := round(base)
	require.Empty(t, outside.Outcomes)
	require.Equal(t, 1, outside.Skipped[dirsync.SkipOutOfScope])

	postJSON(t, emu+"/groups/"+graphemu.DemoNewJoinersGroupID+"/members", fmt.Sprintf(`{"id":%q}`, graphemu.DemoRadiaPerlmanID), nil)
	joined := round(outside)
	require.Equal(t, map[string]int{hrevent.StatusAccepted: 1}, joined.Outcomes, "the coming hire is armed")
	next := time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02")
	waitJourney(t, s, "E0999", "a joiner journey for next week", func(j workflows.Journey) bool { return j.StartDate == next })

	postJSON(t, emu+"/groups/"+g.ID+"/members", fmt.Sprintf(`{"id":%q}`, graphemu.DemoKatherineID), nil)
	privileged := round(joined)
	require.Equal(t, map[string]int{hrevent.StatusAccepted: 1}, privileged.Outcomes)
	found := false
	for _, e := range journeyStatus(t, s, workflows.EmployeeWorkflowID("E1002")).Events {
		found = found || (e.Type == hrevent.JobChange && e.Status == hrevent.StatusAccepted)
	}
	require.True(t, found, "Katherine's job change is recorded")
	again := round(joined)
	require.Equal(t, map[string]int{hrevent.StatusDuplicate: 1}, again.Outcomes, "the groups round read again: one effect")
}
