package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/internal/codec"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/temporalclient"
)

// embeddedServer is the dev mode's in-process Temporal server and Web UI. embedded.go starts one; a build with
// the nodev tag (embedded_nodev.go) has none, so the worker binary does not link the Temporal server.
type embeddedServer interface {
	FrontendAddress() string // host:port of the gRPC frontend
	Namespace() string       // the namespace registered at start
	UIURL() string           // the Web UI's URL, or "" for none
	DBFile() string          // the SQLite file, or "" in memory
	Stop() error
}

// Stack is a running worker process. Stop it once.
type Stack struct {
	cfg         Config
	mode        GraphMode // decided from the configuration as given, before the emulator fills in its URL
	log         *slog.Logger
	metrics     *metrics.Metrics
	health      *http.Server
	httpAddr    string
	emulator    *graphemu.Emulator
	emuSrv      *http.Server
	emuURL      string
	temporal    embeddedServer // the embedded Temporal server (dev mode), or nil
	client      client.Client
	graph       graph.Client
	workers     []worker.Worker
	codec       *codec.Codec    // payload encryption, or nil
	hookURL     string          // the dev-mode HR webhook, or ""
	hookL       net.Listener    // its listener, opened before the workers start so the pickup links can name it
	waiters     *pickup.Waiters // pickup reveals waiting for their pass, in this process
	pickupQueue string          // this process's pickup task queue
	pickupKey   pickup.Key      // binds pickup codes to links
	hookGen     string          // the secret generated for it, when none was configured
	ready       atomic.Bool
	stops       []func()
}

// Start brings every part up in order and returns once the workers poll. On error, what started is stopped.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (_ *Stack, err error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	tc := cfg.Temporal
	tc.Dev = cfg.DevTemporal()
	cd, err := tc.Codec()
	if err != nil {
		return nil, err
	}
	s := &Stack{cfg: cfg, mode: cfg.Mode(), log: log, metrics: metrics.New(), codec: cd}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := s.startHealth(); err != nil {
		return nil, err
	}
	if s.mode == GraphEmulator {
		if err := s.startEmulator(); err != nil {
			return nil, err
		}
	}
	if cfg.DevTemporal() {
		if err := s.startTemporal(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.dial(ctx); err != nil {
		return nil, err
	}
	if cfg.DevTemporal() && cfg.WebhookAddress != "" {
		if s.hookL, err = listen(cfg.WebhookAddress, "webhook-address"); err != nil {
			return nil, err
		}
	}
	if err := s.startWorkers(); err != nil {
		return nil, err
	}
	if s.hookL != nil {
		if err := s.startWebhook(); err != nil {
			return nil, err
		}
	}
	s.ready.Store(true)
	return s, nil
}

// Stop drains the workers, then stops the servers in reverse order; the SQLite file is left consistent.
func (s *Stack) Stop() {
	s.ready.Store(false)
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// Client is the process's Temporal client.
func (s *Stack) Client() client.Client { return s.client }

// Emulator is the embedded Graph emulator, or nil when Graph is real or external.
func (s *Stack) Emulator() *graphemu.Emulator { return s.emulator }

// EmulatorURL is the emulator's base URL (http://host:port), or "".
func (s *Stack) EmulatorURL() string { return s.emuURL }

// TemporalAddress is the frontend the workers use.
func (s *Stack) TemporalAddress() string { return s.clientAddress() }

// UIURL is the embedded Web UI's URL, or "".
func (s *Stack) UIURL() string {
	if s.temporal == nil {
		return ""
	}
	return s.temporal.UIURL()
}

// HTTPURL is the health and metrics endpoint's base URL.
func (s *Stack) HTTPURL() string { return "http://" + s.httpAddr }

// Metrics is the process's registry.
func (s *Stack) Metrics() *metrics.Metrics { return s.metrics }

func (s *Stack) clientAddress() string {
	if s.temporal != nil {
		return s.temporal.FrontendAddress()
	}
	return s.cfg.Temporal.Address
}

// listen binds an address, naming the flag that moves it when the port is taken.
func listen(addr, flag string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (%v): free the port or move it with --%s", addr, err, flag)
	}
	return l, nil
}

func (s *Stack) serve(l net.Listener, h http.Handler, name string) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	s.serveWith(l, srv, name)
	return srv
}

// serveWith runs an HTTP server until Stop, which lets in-flight requests finish.
func (s *Stack) serveWith(l net.Listener, srv *http.Server, name string) {
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server failed", "server", name, "err", err)
		}
	}()
	s.stops = append(s.stops, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // above the webhook's 15 s hand-off
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

func (s *Stack) startHealth() error {
	l, err := listen(s.cfg.HTTPAddress, "http-address")
	if err != nil {
		return err
	}
	s.httpAddr = l.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.Handler())
	if s.codec != nil {
		origin := s.cfg.CodecOrigin
		if origin == "" && s.cfg.DevTemporal() && s.cfg.UIAddress != "" {
			origin = "http://" + s.cfg.UIAddress // the embedded UI (its port is fixed in dev mode)
		}
		mux.Handle("/codec/", s.codec.Handler("/codec", s.cfg.CodecToken, s.cfg.CodecEncodeToken, origin))
	}
	s.health = s.serve(l, mux, "health")
	return nil
}

// readyz answers 200 once the workers poll and Temporal answers a health check.
func (s *Stack) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() || s.client == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := s.client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		http.Error(w, "temporal unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Stack) startEmulator() error {
	seed := graphemu.DemoSeed()
	if s.cfg.GraphSeed != "" {
		var err error
		if seed, err = graphemu.LoadSeed(s.cfg.GraphSeed); err != nil {
			return fmt.Errorf("--graph-seed: %w", err)
		}
	}
	l, err := listen(s.cfg.EmulatorAddress, "emulator-address")
	if err != nil {
		return err
	}
	s.emulator = graphemu.New(graphemu.Options{Seed: seed, Logger: s.log.With("component", "graph-emulator")})
	s.emuURL = "http://" + l.Addr().String()
	s.emuSrv = s.serve(l, s.emulator.Handler(), "graph-emulator")
	s.cfg.Graph.BaseURL = s.emuURL + "/v1.0"
	s.cfg.Graph.StaticToken = "tapflow-dev-emulator"
	return nil
}

func (s *Stack) dial(ctx context.Context) error {
	tc := s.cfg.Temporal
	tc.Address, tc.Dev = s.clientAddress(), s.temporal != nil
	opts, err := tc.Options(s.log.With("component", "temporal-sdk"))
	if err != nil {
		return err
	}
	opts.MetricsHandler = s.metrics.SDKHandler()
	if err := s.cfg.Tracing.AddTo(&opts); err != nil { // workers built from this client trace too
		return err
	}
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := temporalclient.Dial(dialCtx, opts)
	if err != nil {
		return err
	}
	s.client = c
	s.stops = append(s.stops, c.Close)
	g, err := graph.New(s.cfg.Graph, graph.Options{Transport: s.cfg.Tracing.GraphTransport(s.metrics.GraphTransport(nil))})
	if err != nil {
		return fmt.Errorf("graph client: %w", err)
	}
	s.graph = g
	return nil
}

// codecEndpoint is the codec server's URL for the embedded UI, when payloads are encrypted.
func (s *Stack) codecEndpoint() string {
	if s.codec == nil || s.cfg.CodecToken != "" {
		return "" // the embedded UI has no way to send a static token
	}
	return s.HTTPURL() + "/codec"
}
