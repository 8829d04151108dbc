// Package devserver runs a real Temporal server in-process on SQLite (a file under ./.tapflow/ or memory) or on
// PostgreSQL, with tapflow's namespace and search attributes registered, and the Temporal Web UI beside it. It
// is the dev stack's engine, the end-to-end tests' and the benchmark's server; production uses a Temporal
// cluster instead.
package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Options configure the embedded server.
type Options struct {
	// Address is the frontend gRPC host:port; default 127.0.0.1:7233. Port 0 picks a free port.
	Address string
	// Namespace is registered at start; default "default".
	Namespace string
	// MoreNamespaces are registered beside Namespace, with the same search attributes (the benchmark keeps a
	// phase's workflows apart in one). Clients and UI use Namespace.
	MoreNamespaces []string
	// DBFile is the SQLite file; its directory is created. Empty means in memory (unless Postgres is set).
	DBFile string
	// Postgres, when set, is a PostgreSQL URL (postgres://user[:password]@host:port/database[?sslmode=...]):
	// the server keeps its state in that database and in database_visibility, both created and brought to the
	// current schema at start with the server's own schema tooling. DBFile is then ignored.
	Postgres string
	// HistoryShards is the number of history shards; default 1. It is fixed when a database is first used:
	// a database created with one count cannot be opened with another.
	HistoryShards int
	// UIAddress is the Web UI's host:port; empty runs no UI. Port 0 picks a free port.
	UIAddress string
	// UICodecEndpoint is the codec server URL the UI uses to show encrypted payloads; empty for none.
	UICodecEndpoint string
	// SearchAttributes are the custom search attributes to register on the namespace.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// PortInUseError says which part of the dev stack could not take its address.
type PortInUseError struct {
	Part string // "temporal" or "ui"
	Addr string
	Err  error
}

// Error names the part and the address.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("%s address %s is not available: %v", e.Part, e.Addr, e.Err)
}

// Unwrap gives the listen error.
func (e *PortInUseError) Unwrap() error { return e.Err }

// Server is a running embedded Temporal server (and UI).
type Server struct {
	srv       temporal.Server
	sqlCfg    *config.SQL
	ui        *uiServer
	frontend  string
	namespace string
	uiURL     string
	dbFile    string
}

// Start starts the server and returns once its frontend answers and the namespace and search attributes
// are in place. On an existing file the state is reopened: open workflows carry on.
func Start(ctx context.Context, o Options) (*Server, error) {
	o = withDefaults(o)
	logger := o.Logger
	frontend, err := reserve("temporal", o.Address)
	if err != nil {
		return nil, err
	}
	var uiAddr string
	if o.UIAddress != "" {
		if uiAddr, err = reserve("ui", o.UIAddress); err != nil {
			return nil, err
		}
	}
	persistence, sqlCfg, err := persistenceConfig(o)
	if err != nil {
		return nil, err
	}
	cfg, err := serverConfig(frontend, persistence, portsFile(o.DBFile))
	if err != nil {
		return nil, err
	}
	var namespaces []*sqliteschema.NamespaceConfig
	for _, name := range append([]string{o.Namespace}, o.MoreNamespaces...) {
		ns, err := sqliteschema.NewNamespaceConfig(clusterName, name, false, o.SearchAttributes)
		if err != nil {
			return nil, fmt.Errorf("namespace config %q: %w", name, err)
		}
		namespaces = append(namespaces, ns)
	}
	if err := sqliteschema.CreateNamespaces(sqlCfg, namespaces...); err != nil {
		return nil, fmt.Errorf("register namespaces %q: %w", append([]string{o.Namespace}, o.MoreNamespaces...), err)
	}
	srv, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithLogger(slogLogger{l: logger}),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{srv: srv, sqlCfg: sqlCfg, frontend: frontend, namespace: o.Namespace, dbFile: o.DBFile}
	if err := s.waitReady(ctx, o.SearchAttributes); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	if uiAddr != "" {
		ui, err := startUI(uiAddr, frontend, o.Namespace, o.UICodecEndpoint)
		if err != nil {
			_ = srv.Stop()
			return nil, err
		}
		s.ui, s.uiURL = ui, "http://"+uiAddr
	}
	return s, nil
}

// FrontendAddress is the host:port clients dial.
func (s *Server) FrontendAddress() string { return s.frontend }

// Namespace is the registered namespace.
func (s *Server) Namespace() string { return s.namespace }

// UIURL is the Web UI's URL, or "" when no UI runs.
func (s *Server) UIURL() string { return s.uiURL }

// DBFile is the SQLite file, or "" in memory.
func (s *Server) DBFile() string { return s.dbFile }

// Stop stops the UI and the server; the SQLite file is closed consistently.
func (s *Server) Stop() error {
	if s.ui != nil {
		s.ui.stop()
	}
	if err := s.srv.Stop(); err != nil {
		return fmt.Errorf("stop temporal server: %w", err)
	}
	if s.dbFile != "" {
		if err := checkpoint(s.sqlCfg); err != nil {
			return fmt.Errorf("checkpoint %s: %w", s.dbFile, err)
		}
	}
	return nil
}

const clusterName = "active"

func withDefaults(o Options) Options {
	if o.Address == "" {
		o.Address = "127.0.0.1:7233"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HistoryShards <= 0 {
		o.HistoryShards = 1
	}
	if o.Postgres != "" {
		o.DBFile = ""
	}
	return o
}

// reserve checks that an address can be listened on and resolves port 0 to a free port.
// Port 0 is resolved outside the ephemeral range, like the internal ports (see freePort).
func reserve(part, addr string) (string, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		free, err := freePort(host, map[int]bool{})
		if err != nil {
			return "", &PortInUseError{Part: part, Addr: addr, Err: err}
		}
		addr = net.JoinHostPort(host, strconv.Itoa(free))
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", &PortInUseError{Part: part, Addr: addr, Err: err}
	}
	resolved := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("release %s: %w", resolved, err)
	}
	return resolved, nil
}

// waitReady waits for the frontend to answer, then registers any search attribute an older file lacks.
func (s *Server) waitReady(ctx context.Context, attrs map[string]enumspb.IndexedValueType) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: s.frontend, Namespace: s.namespace,
		Logger: discardSDKLogger()})
	if err != nil {
		return fmt.Errorf("temporal server at %s did not answer: %w", s.frontend, err)
	}
	defer c.Close()
	existing, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, t := range attrs {
		if _, ok := existing.GetCustomAttributes()[name]; !ok {
			missing[name] = t
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.namespace, SearchAttributes: missing}); err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
