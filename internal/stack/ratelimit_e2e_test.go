package stack

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/workflows"
)

// startRecorder records when each Graph activity attempt starts.
type startRecorder struct {
	interceptor.WorkerInterceptorBase
	mu     sync.Mutex
	starts []time.Time
}

func (r *startRecorder) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &startInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, r: r}
}

type startInbound struct {
	interceptor.ActivityInboundInterceptorBase
	r *startRecorder
}

func (a *startInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	a.r.mu.Lock()
	a.r.starts = append(a.r.starts, time.Now())
	a.r.mu.Unlock()
	return a.Next.ExecuteActivity(ctx, in)
}

// TestTheGraphRateLimitHoldsUnderThrottling: joiners whose TAP creations are throttled still each get one valid
// pass, and Graph activities never start faster than the task-queue budget (plus the server's initial burst,
// one per task-queue partition).
func TestTheGraphRateLimitHoldsUnderThrottling(t *testing.T) {
	const rate, partitions = 4.0, 4
	rec := &startRecorder{}
	cfg := devConfig(t.TempDir())
	cfg.UIAddress, cfg.WebhookAddress, cfg.InMemory = "", "", true
	cfg.GraphRateLimit, cfg.GraphInterceptors = rate, []interceptor.WorkerInterceptor{rec}
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = 2*time.Second, true
	s, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop()
	emu := s.EmulatorURL() + "/_emulator"
	postJSON(t, emu+"/faults", `{"method":"POST","path":"/temporaryAccessPassMethods$","status":429,"retry_after":"1.5","count":4}`, nil)
	var ids []string
	for i := 1; i <= 8; i++ {
		var u faultUser
		postJSON(t, emu+"/users", fmt.Sprintf(`{"userPrincipalName":"rl%d@contoso.example","displayName":"RL %d","employeeId":"RL%d","managerId":%q}`,
			i, i, i, graphemu.DemoGraceHopperID), &u)
		ids = append(ids, u.ID)
		_, err := intake.Submit(context.Background(), s.Client(), hrevent.Event{ID: fmt.Sprintf("rl-%d", i), Type: hrevent.Hire,
			OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{EmployeeID: fmt.Sprintf("RL%d", i), User: u.ID,
				TimeZone: "UTC", StartDate: time.Now().UTC().Format("2006-01-02"), StartTime: "00:00"}})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		for i := range ids {
			j := journeyStatus(t, s, fmt.Sprintf("employee/RL%d", i+1)).Journey
			if j == nil || j.Stage != workflows.StageAwaitingRegistration {
				return false
			}
		}
		return true
	}, 2*time.Minute, 200*time.Millisecond)
	var passes []string
	sources := map[string][]byte{"metrics": metricsText(t, s.HTTPURL())}
	for i, id := range ids {
		var u faultUser
		getJSON(t, emu+"/users/"+id, &u)
		require.Len(t, u.IssuedPasses, 1, "%s: one pass (throttled creations made none)", u.DisplayName)
		require.NotNil(t, u.TemporaryAccessPass)
		passes = append(passes, u.IssuedPasses...)
		sources[u.DisplayName] = historyJSON(t, s, fmt.Sprintf("employee/RL%d", i+1))
	}
	requireNoPasses(t, passes, sources)

	rec.mu.Lock()
	starts := append([]time.Time(nil), rec.starts...)
	rec.mu.Unlock()
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	// Each joiner: pre-flight and issue-and-deliver, plus the four throttled creations' retries, plus polls.
	require.GreaterOrEqual(t, len(starts), 2*len(ids)+4, "enough Graph activities to load the limit")
	worst := 0
	for i := range starts { // the most starts in any 3-second window
		n := sort.Search(len(starts), func(k int) bool { return starts[k].After(starts[i].Add(3 * time.Second)) }) - i
		worst = max(worst, n)
	}
	limit := int(3*rate) + partitions
	t.Logf("%d Graph activity starts over %s; at most %d in any 3 s window (budget %d)", len(starts),
		starts[len(starts)-1].Sub(starts[0]).Round(time.Millisecond), worst, limit)
	require.LessOrEqual(t, worst, limit, "the task-queue rate limit holds across the whole queue")
	faultRow(t, "429 storm under the limit", len(ids), len(ids), 0, 0)
}
