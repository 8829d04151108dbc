package bench

import (
	"context"
	"fmt"
)

// phase is one step of a run; off steps are skipped.
type phase struct {
	name string
	on   bool
	run  func() error
}

// ratioPhases are the throughput rounds: a baseline, then for each round the joiners at once and a baseline
// after them. Each round's ratio takes the mean of the baselines on either side of its joiners, so a drift of
// the machine or of the growing database over the run falls on both sides; the published ratio is the rounds'
// median, so one round on a slow stretch of a shared machine does not decide it. The first round's joiners are
// the ones whose latency, Graph requests and CPU are reported.
func (r *run) ratioPhases(ctx context.Context, o Options) []phase {
	rounds := max(o.Rounds, 1)
	var baselines, joiners []float64
	phases := []phase{{"baseline before", true, func() error {
		wps, err := r.baseline(ctx, o.Joiners)
		baselines = append(baselines, wps)
		r.res.BaselineBeforeWPS = wps
		return err
	}}}
	for i := 1; i <= rounds; i++ {
		prefix := "J" // the first round's joiners keep the ids of a one-round run
		if i > 1 {
			prefix = fmt.Sprintf("J%d-", i)
		}
		phases = append(phases, phase{"joiners at once" + roundSuffix(i, rounds), true, func() error {
			wps, err := r.joiners(ctx, prefix, o.Joiners, i == 1)
			joiners = append(joiners, wps)
			return err
		}}, phase{"baseline after" + roundSuffix(i, rounds), true, func() error {
			wps, err := r.baseline(ctx, o.Joiners)
			if err != nil {
				return err
			}
			baselines = append(baselines, wps)
			r.res.BaselineAfterWPS = wps
			r.res.Ratios = append(r.res.Ratios, joiners[i-1]/((baselines[i-1]+baselines[i])/2))
			r.res.BaselineWPS, r.res.JoinerWPS, r.res.Ratio = mean(baselines), mean(joiners), median(r.res.Ratios)
			return nil
		}})
	}
	return phases
}

func roundSuffix(i, rounds int) string {
	if rounds == 1 {
		return ""
	}
	return fmt.Sprintf(", round %d", i)
}

func mean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

func median(v []float64) float64 {
	s := sortedCopy(v)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
