package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/pickupserver"
	"github.com/tapflow/tapflow/internal/stack"
)

// pickupConfig is what starter serve needs to host the pickup page: the page creates the pass at the reveal,
// in this process, so it holds Graph credentials and the pass settings, which must match the workers'.
type pickupConfig struct {
	on         bool
	graph      graph.Config
	lifetime   time.Duration
	usableOnce bool
	limits     issuance.Limits
	trustProxy bool
	key        string
	templates  string
	publicURL  string
}

func bindPickup(s *cliconf.Set, c *pickupConfig) {
	d := activities.DefaultJoinerSettings()
	s.Bool(&c.on, "pickup", false, "also serve the pickup page (GET/POST /p/{token}) and create revealed passes here")
	stack.BindGraph(s, &c.graph)
	s.Duration(&c.lifetime, "tap-lifetime", time.Duration(d.LifetimeMinutes)*time.Minute, "wanted pass lifetime, clamped to the tenant policy (as the workers')")
	s.Bool(&c.usableOnce, "tap-usable-once", d.UsableOnce, "issue one-time passes (as the workers')")
	s.Int(&c.limits.PerHour, "issuance-limit", d.Issuance.PerHour, 0, "the issuance guard's hourly limit (as the workers')")
	s.Int(&c.limits.RecoveriesPerDay, "tenant-recoveries-per-day", d.Issuance.RecoveriesPerDay, 0, "the guard's daily recovery limit (as the workers')")
	s.String(&c.key, "pickup-key", "", "the workers' TAPFLOW_PICKUP_KEY, to check the codes hires type")
	s.String(&c.templates, "mail-templates", "", "the workers' template override directory: page.<lang>.html.tmpl speaks the hire's language")
	s.String(&c.publicURL, "public-url", "", "the page's public origin, as the workers' TAPFLOW_PUBLIC_URL: https makes its cookies Secure")
	s.Bool(&c.trustProxy, "trust-forwarded", false, "read the client address from X-Forwarded-For (only behind a proxy that sets it)")
}

// startPickup runs the page's worker on a task queue of this process's own and registers the page on mux. The
// returned stop drains the worker.
func startPickup(c client.Client, cfg pickupConfig, log *slog.Logger, mux *http.ServeMux) (func(), error) {
	key, err := pickup.ParseKey(cfg.key)
	if err != nil {
		return nil, cliconf.Usage(fmt.Errorf("serve --pickup: %w", err))
	}
	g, err := graph.New(cfg.graph, graph.Options{})
	if err != nil {
		return nil, cliconf.Usage(fmt.Errorf("the pickup page creates passes, so it needs Graph: %w", err))
	}
	js := activities.DefaultJoinerSettings()
	js.LifetimeMinutes, js.UsableOnce, js.Issuance = int(cfg.lifetime/time.Minute), cfg.usableOnce, cfg.limits
	srv := pickupserver.New(c, pickupserver.Config{Graph: g, Settings: js, Key: key, Templates: cfg.templates,
		TrustForwarded: cfg.trustProxy, PublicURL: cfg.publicURL}, log, mux)
	stop := keepStarting(srv.NewWorker, log)
	return stop, nil
}

// keepStarting starts a worker, and while Temporal cannot be reached tries again every 5 s (the receiver starts
// and answers even while Temporal is down); the returned stop ends the tries and stops the worker.
func keepStarting(newWorker func() worker.Worker, log *slog.Logger) func() {
	done := make(chan struct{})
	var mu sync.Mutex
	var started worker.Worker
	go func() {
		for {
			w := newWorker()
			err := w.Start()
			if err == nil {
				mu.Lock()
				defer mu.Unlock()
				select {
				case <-done: // stopped while it started
					w.Stop()
				default:
					started = w
				}
				return
			}
			log.Warn("the pickup worker is not running yet: Temporal cannot be reached", "error", err)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return func() {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		if started != nil {
			started.Stop()
		}
	}
}
