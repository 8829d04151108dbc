package activities

import (
	"context"
	"fmt"

	"github.com/tapflow/tapflow/internal/graph"
)

// Directory holds the read-only Graph activities about the tenant.
type Directory struct {
	Graph graph.Client
}

// TAPPolicy is the tenant TAP policy as workflows see it.
type TAPPolicy struct {
	Enabled                bool     `json:"enabled"`
	DefaultLength          int      `json:"default_length"`
	DefaultLifetimeMinutes int      `json:"default_lifetime_minutes"`
	MinLifetimeMinutes     int      `json:"min_lifetime_minutes"`
	MaxLifetimeMinutes     int      `json:"max_lifetime_minutes"`
	UsableOnce             bool     `json:"usable_once"`
	IncludeGroups          []string `json:"include_groups"` // group ids, or "all_users"
	ExcludeGroups          []string `json:"exclude_groups"`
}

// ReadTAPPolicy reads the tenant's Temporary Access Pass policy.
func (d *Directory) ReadTAPPolicy(ctx context.Context) (TAPPolicy, error) {
	p, err := d.Graph.GetTAPPolicy(ctx)
	if err != nil {
		return TAPPolicy{}, graphFailure(fmt.Errorf("read TAP policy: %w", err))
	}
	return policyOf(p), nil
}

// policyOf is Graph's policy as workflows see it.
func policyOf(p graph.TAPPolicy) TAPPolicy {
	out := TAPPolicy{
		Enabled:                p.Enabled,
		DefaultLength:          p.DefaultLength,
		DefaultLifetimeMinutes: p.DefaultLifetimeMinutes,
		MinLifetimeMinutes:     p.MinLifetimeMinutes,
		MaxLifetimeMinutes:     p.MaxLifetimeMinutes,
		UsableOnce:             p.UsableOnce,
	}
	for _, t := range p.IncludeTargets {
		out.IncludeGroups = append(out.IncludeGroups, t.ID)
	}
	for _, t := range p.ExcludeTargets {
		out.ExcludeGroups = append(out.ExcludeGroups, t.ID)
	}
	return out
}
