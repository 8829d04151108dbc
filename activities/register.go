package activities

import (
	"context"

	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/feedsource"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/internal/pickup"
)

// Deps is what the activities are built from: the Graph client, the delivery channel, the audit and metrics
// sinks, the worker's settings and the intake that feeds take their rows to.
type Deps struct {
	Graph       graph.Client
	Delivery    Deliverer
	Audit       audit.Recorder
	Metrics     PassMetrics // nil: nothing is counted
	Joiner      JoinerSettings
	Lifecycle   LifecycleSettings
	Submit      batch.Submitter    // the intake, for scheduled feeds
	FeedToken   string             // bearer token for an HTTPS feed
	FeedSources feedsource.Sources // where scheduled feeds may be read from
	Guard       Reserver           // the tenant-wide issuance guard; nil: none
	Logs        graph.LogReader    // the tenant's audit and sign-in logs, for the tenant watch; nil: no watch
	Journeys    JourneyIndex       // finds and tells the journeys the logs are about
	WatchHealth WatchHealth        // the watch's health, as journeys see it
	Watch       WatchMetrics       // the watch's and the alerts' counters; nil: none
	Directory   DirectorySyncSettings
	// DirectoryReader follows the users delta query, for the directory source; nil: no directory source.
	DirectoryReader graph.DirectoryReader
	Sources         SourceMetrics // the HR sources' counters; nil: none
	// KnownEmployee says tapflow has a workflow for the employee (the directory source's leavers out of scope).
	KnownEmployee func(ctx context.Context, employeeID string) (bool, error)
	// Vendors are the HR vendors' adapters (with their API credentials) and the mapping; nil: none.
	Vendors       map[string]hrvendor.Adapter
	VendorMapping hrvendor.Mapping
}

// Register registers every activity on the worker of its task queue: on the lifecycle worker (the workflows'
// queue) the settings, which workflows run as local activities, and the feed import; on the Graph worker (whose
// queue carries the tenant-wide Graph rate limit) every activity that calls Graph. One TAP policy cache serves
// the worker's journeys, one verified-domains cache too.
func Register(lifecycle, graphWorker worker.ActivityRegistry, d Deps) {
	lifecycle.RegisterActivity(&Settings{Joiner: d.Joiner, Lifecycle: d.Lifecycle, Directory: d.Directory})
	lifecycle.RegisterActivity(&Feed{Submit: d.Submit, Token: d.FeedToken, Sources: d.FeedSources})
	lifecycle.RegisterActivity(&Vendors{Adapters: d.Vendors, Mapping: d.VendorMapping, Submit: d.Submit, Audit: d.Audit, Metrics: d.Sources})
	graphWorker.RegisterActivity(&Directory{Graph: d.Graph})
	j := newJourney(d)
	graphWorker.RegisterActivity(j)
	if d.DirectoryReader != nil {
		groups, _ := d.DirectoryReader.(graph.GroupReader)
		graphWorker.RegisterActivity(&DirectorySync{Directory: d.DirectoryReader, Groups: groups, Graph: d.Graph, Submit: d.Submit,
			Rules: d.Directory.Rules, Audit: d.Audit, Metrics: d.Sources, Known: d.KnownEmployee})
	}
	if d.Logs != nil && d.Journeys != nil {
		graphWorker.RegisterActivity(&Watch{Journey: j, Logs: d.Logs, Journeys: d.Journeys, Metrics: d.Watch})
	}
}

// RegisterPickup registers the pickup page's create activity on the worker of the page process's own task
// queue; waiters are that process's reveals waiting for their pass.
func RegisterPickup(w worker.ActivityRegistry, d Deps, waiters *pickup.Waiters) {
	w.RegisterActivity(&Pickup{Journey: newJourney(d), Waiters: waiters})
}

// newJourney builds the Graph activities' struct, with a policy and a domains cache of its own.
func newJourney(d Deps) *Journey {
	return &Journey{Graph: d.Graph, Delivery: d.Delivery, Audit: d.Audit, Metrics: d.Metrics,
		Policies: &graph.PolicyCache{}, Domains: &graph.DomainCache{TTL: graph.DefaultDomainTTL}, Guard: d.Guard,
		Alerts: alertCounter(d.Watch), Watch: d.WatchHealth, Settings: d.Joiner}
}

// alertCounter is the watch's metrics as an alert counter, or nil.
func alertCounter(m WatchMetrics) AlertCounter {
	if m == nil {
		return nil
	}
	return m
}
