package bench

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	sdklog "go.temporal.io/sdk/log"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/workflows"
)

// addUsers adds n users to the emulator, as they are in Entra before HR hires them, and returns their ids.
func (r *lane) addUsers(ctx context.Context, prefix string, n int) ([]string, error) {
	ids := make([]string, n)
	return ids, parallel(n, func(i int) error {
		var u struct{ ID string }
		emp := fmt.Sprintf("%s%05d", prefix, i)
		err := postJSON(ctx, r.emu+"/users", fmt.Sprintf(`{"userPrincipalName":"%s@contoso.example","displayName":"Bench %s",`+
			`"employeeId":%q,"managerId":%q}`, emp, emp, emp, graphemu.DemoGraceHopperID), &u)
		ids[i] = u.ID
		return err
	})
}

// hire hires each of the users (added by addUsers with the same prefix) through intake, all at once (rate 0) or
// rate per second, and returns the time each hire was accepted.
func (r *lane) hire(ctx context.Context, prefix string, ids []string, rate float64) ([]time.Time, error) {
	n := len(ids)
	accepted := make([]time.Time, n)
	today := time.Now().UTC().Format("2006-01-02")
	one := func(i int) error {
		emp := fmt.Sprintf("%s%05d", prefix, i)
		e := hrevent.Event{ID: "bench-" + emp, Type: hrevent.Hire, OccurredAt: time.Now().UTC(),
			Employee: hrevent.Employee{EmployeeID: emp, User: ids[i], TimeZone: "UTC", StartDate: today, StartTime: "00:00"}}
		if r.personal {
			e.Employee.PersonalEmail = personalEmail(emp)
		}
		_, err := intake.Submit(ctx, r.c, e)
		accepted[i] = time.Now()
		return err
	}
	if rate <= 0 {
		return accepted, parallel(n, one)
	}
	// Offered load: one hire every 1/rate seconds, each on its own, whatever the previous ones are doing.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- one(i) }()
		if i < n-1 {
			select {
			case <-ctx.Done():
				return accepted, ctx.Err()
			case <-tick.C:
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return accepted, err
		}
	}
	return accepted, nil
}

// counts scrapes the worker's Graph request counts and registration polls.
func (r *lane) counts(ctx context.Context) (map[string]float64, float64, error) {
	fams, err := r.child.metrics(ctx)
	if err != nil {
		return nil, 0, err
	}
	return graphCounts(fams), pollRequests(fams), nil
}

// waitFor waits until the worker made want more Graph requests of kind than in before.
func (r *lane) waitFor(ctx context.Context, before map[string]float64, kind string, want float64) (time.Time, error) {
	for {
		now, _, err := r.counts(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if now[kind]-before[kind] >= want {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("waiting for %v %s (have %v): %w", want, kind, now[kind]-before[kind], ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// register adds a passkey to each user: each journey's next look sees it and revokes the pass. With hint, each
// employee's workflow also gets the registered signal (as from an Entra audit alert), which looks at once.
func (r *lane) register(ctx context.Context, prefix string, users []string, hint bool) error {
	return parallel(len(users), func(i int) error {
		return r.registerOne(ctx, fmt.Sprintf("%s%05d", prefix, i), users[i], hint)
	})
}

// registerOne adds a passkey to the employee's user and, with hint, sends the registered signal.
func (r *lane) registerOne(ctx context.Context, employee, user string, hint bool) error {
	if err := postJSON(ctx, r.emu+"/users/"+user+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil); err != nil {
		return err
	}
	if !hint {
		return nil
	}
	return r.c.SignalWorkflow(ctx, workflows.EmployeeWorkflowID(employee), "", workflows.SignalRegistered, nil)
}

// joiners takes n joiners, started at once, from intake to delivery (throughput), then registers a method for
// each, with the registered hint, and waits for every revoke. It returns joiners per second to delivery; with
// report, it also records the burst's latency, CPU and Graph requests per joiner (the first round's).
func (r *run) joiners(ctx context.Context, prefix string, n int, report bool) (float64, error) {
	before, pollsBefore, err := r.counts(ctx)
	if err != nil {
		return 0, err
	}
	r.log.Info("joiners at once", "count", n)
	users, err := r.addUsers(ctx, prefix, n)
	if err != nil {
		return 0, err
	}
	cpu0 := r.cpu()
	began := time.Now()
	accepted, err := r.hire(ctx, prefix, users, 0)
	if err != nil {
		return 0, err
	}
	hired := time.Since(began)
	done, err := r.waitFor(ctx, before, kindMail, float64(n))
	if err != nil {
		return 0, err
	}
	r.log.Info("joiners at once: delivered", "hired in", hired.Round(time.Millisecond), "delivered in", done.Sub(began).Round(time.Millisecond))
	wps := float64(n) / done.Sub(began).Seconds()
	cpu := r.cpu().minus(cpu0).per(n)
	if !report {
		if err := r.register(ctx, prefix, users, true); err != nil {
			return 0, err
		}
		_, err := r.waitFor(ctx, before, kindRevoked, float64(n))
		return wps, err
	}
	r.res.JoinerCPU = cpu
	lat, err := r.deliveredLatencies(ctx, prefix, accepted)
	if err != nil {
		return 0, err
	}
	r.res.BurstP50ms, r.res.BurstP95ms, r.res.BurstP99ms = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	r.res.BurstMaxMs = lat[len(lat)-1]
	regBegan := time.Now()
	if err := r.register(ctx, prefix, users, true); err != nil {
		return 0, err
	}
	revoked, err := r.waitFor(ctx, before, kindRevoked, float64(n))
	if err != nil {
		return 0, err
	}
	r.res.JoinerToRevokeWPS = float64(n) / revoked.Sub(regBegan).Seconds()
	after, pollsAfter, err := r.counts(ctx)
	if err != nil {
		return 0, err
	}
	polls := pollsAfter - pollsBefore
	r.res.GraphRequestsByKind = map[string]float64{}
	total := -polls // registration polls are counted apart (the waiting phase)
	for k, v := range diff(after, before) {
		r.res.GraphRequestsByKind[k] = v / float64(n)
		total += v
	}
	r.res.GraphRequestsPerJoiner, r.res.PollRequestsPerJoiner = total/float64(n), polls/float64(n)
	r.res.RSSMiBPeak = max(r.res.RSSMiBPeak, peakOf(r.child))
	return wps, nil
}

// warmUp takes n joiners through a whole journey (the hint ends it) and reads their round trips to delivery.
func (r *run) warmUp(ctx context.Context, n int) error {
	r.log.Info("warm-up joiners", "count", n)
	before, _, err := r.counts(ctx)
	if err != nil {
		return err
	}
	users, err := r.addUsers(ctx, "U", n)
	if err != nil {
		return err
	}
	if _, err := r.hire(ctx, "U", users, 0); err != nil {
		return err
	}
	if _, err := r.waitFor(ctx, before, kindMail, float64(n)); err != nil {
		return err
	}
	if err := r.histories(ctx, "U", n, false); err != nil {
		return err
	}
	if err := r.register(ctx, "U", users, true); err != nil {
		return err
	}
	_, err = r.waitFor(ctx, before, kindRevoked, float64(n))
	return err
}

// offered hires rate joiners per second for secs seconds and measures intake to delivered under that load. They
// then register; their polls see it during the next phase.
func (r *run) offered(ctx context.Context, rate float64, secs int) error {
	n := int(rate * float64(secs))
	r.log.Info("offered load", "joiners per second", rate, "seconds", secs)
	before, _, err := r.counts(ctx)
	if err != nil {
		return err
	}
	users, err := r.addUsers(ctx, "O", n)
	if err != nil {
		return err
	}
	accepted, err := r.hire(ctx, "O", users, rate)
	if err != nil {
		return err
	}
	if _, err := r.waitFor(ctx, before, kindMail, float64(n)); err != nil {
		return err
	}
	lat, err := r.deliveredLatencies(ctx, "O", accepted)
	if err != nil {
		return err
	}
	r.res.OfferedRate, r.res.OfferedJoiners = rate, n
	r.res.DeliveredP50ms, r.res.DeliveredP95ms, r.res.DeliveredP99ms = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	// Registered without a hint: their next poll sees it. Their histories, the plain happy path, are read at the end.
	return r.register(ctx, "O", users, false)
}

// deliveredLatencies queries each joiner's status for the time its pass went out.
func (r *run) deliveredLatencies(ctx context.Context, prefix string, accepted []time.Time) ([]float64, error) {
	out := make([]float64, len(accepted))
	err := parallel(len(accepted), func(i int) error {
		st, err := r.status(ctx, fmt.Sprintf("%s%05d", prefix, i))
		if err != nil || st.Journey == nil || st.Journey.Issued.IsZero() {
			return fmt.Errorf("status of joiner %d: no issue time (%v)", i, err)
		}
		out[i] = float64(max(0, st.Journey.Issued.Sub(accepted[i]).Milliseconds()))
		return nil
	})
	return sortedCopy(out), err
}

func (r *lane) status(ctx context.Context, employee string) (workflows.Status, error) {
	var st workflows.Status
	v, err := r.c.QueryWorkflow(ctx, workflows.EmployeeWorkflowID(employee), "", workflows.QueryStatus)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// histories records the activities to delivery of up to 50 joiners and, with events, their average history
// events (of finished journeys).
func (r *run) histories(ctx context.Context, prefix string, n int, events bool) error {
	sample := min(n, 50)
	total := 0
	for i := 0; i < sample; i++ {
		events, toDelivery, err := historyEvents(ctx, r.c, workflows.EmployeeWorkflowID(fmt.Sprintf("%s%05d", prefix, i)))
		if err != nil {
			return err
		}
		total += events
		if toDelivery.Activities+toDelivery.Local > r.res.ActivitiesToDelivery.Activities+r.res.ActivitiesToDelivery.Local {
			r.res.ActivitiesToDelivery = toDelivery
		}
	}
	if events {
		r.res.HistoryEventsPerJoiner = float64(total) / float64(sample)
	}
	return nil
}

func peakOf(c *child) float64 {
	_, peak := c.rss()
	return peak
}

func quietLogger() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
