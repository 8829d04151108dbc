// Package pickupserver runs the pickup page together with the worker that creates its passes: the reveal's
// create activity runs on a task queue of the page process's own, so the pass goes from Graph to the waiting
// response in memory. starter serve --pickup and the benchmark use it.
package pickupserver

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/workflows"
)

// Config is what the page's process needs. Its pass settings must match the workers'.
type Config struct {
	Graph          graph.Client
	Settings       activities.JoinerSettings // the pass's lifetime, one-time use and the issuance guard's limits
	Key            pickup.Key                // the workers' TAPFLOW_PICKUP_KEY
	Templates      string                    // the mail templates' override directory (page.<lang>.html.tmpl)
	TrustForwarded bool                      // read the client address from X-Forwarded-For
	PublicURL      string                    // the page's public origin: https makes its cookies Secure
}

// Server is the page and its worker, not yet started.
type Server struct {
	// Queue is this process's pickup task queue: unique, so no other process takes its creates.
	Queue string
	c     client.Client
	deps  activities.Deps
	wait  *pickup.Waiters
}

// New prepares the page's worker on a fresh task queue and registers the page on mux. Start the worker with
// NewWorker, once Temporal answers.
func New(c client.Client, cfg Config, log *slog.Logger, mux *http.ServeMux) *Server {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	s := &Server{Queue: pickup.QueuePrefix + host + "-" + hex.EncodeToString(b), c: c, wait: &pickup.Waiters{}}
	s.deps = activities.Deps{Graph: cfg.Graph, Audit: audit.Log{Logger: log}, Joiner: cfg.Settings,
		Guard: &issuance.Client{Temporal: c, TaskQueue: workflows.TaskQueue}}
	(&pickup.Handler{Journeys: &pickup.Temporal{Client: c, Queue: s.Queue, Waiters: s.wait, WorkflowID: workflows.EmployeeWorkflowID},
		Log: log.With("component", "pickup"), TrustForwarded: cfg.TrustForwarded, Key: cfg.Key, PublicURL: cfg.PublicURL,
		Templates: delivery.Templates{Dir: cfg.Templates}}).Register(mux)
	return s
}

// NewWorker returns a worker for the page's queue with the create activity registered; the caller starts it.
func (s *Server) NewWorker() worker.Worker {
	w := worker.New(s.c, s.Queue, worker.Options{WorkerStopTimeout: 30 * time.Second})
	activities.RegisterPickup(w, s.deps, s.wait)
	return w
}
