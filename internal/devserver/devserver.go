// Package devserver runs a real Temporal server in-process on SQLite (a file under ./.tapflow/ or memory),
// with tapflow's namespace and search attributes registered, and the Temporal Web UI beside it. It is the
// dev stack's engine and the end-to-end tests' server; production uses a Temporal cluster instead.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Options configure the embedded server.
type Options struct {
	// Address is the frontend gRPC host:port; default 127.0.0.1:7233. Port 0 picks a free port.
	Address string
	// Namespace is registered at start; default "default".
	Namespace string
	// DBFile is the SQLite file; its directory is created. Empty means in memory.
	DBFile string
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

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("%s address %s is not available: %v", e.Part, e.Addr, e.Err)
}

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
	sqlCfg, err := sqliteConfig(o.DBFile)
	if err != nil {
		return nil, err
	}
	cfg, err := serverConfig(frontend, sqlCfg, portsFile(o.DBFile))
	if err != nil {
		return nil, err
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("register namespace %q: %w", o.Namespace, err)
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

// checkpoint folds the write-ahead log into the database file, so a stopped server leaves one whole file.
func checkpoint(c *config.SQL) error {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, c, resolver.NewNoopResolver(), log.NewNoopLogger(),
		metrics.NoopMetricsHandler)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
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
	return o
}

// reserve checks that an address can be listened on and resolves port 0 to a free port.
func reserve(part, addr string) (string, error) {
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

func sqliteConfig(dbFile string) (*config.SQL, error) {
	c := &config.SQL{
		PluginName: sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
	if dbFile == "" {
		c.ConnectAttributes["mode"] = "memory"
		c.ConnectAttributes["cache"] = "shared"
		delete(c.ConnectAttributes, "journal_mode") // WAL does not apply to memory databases
		c.DatabaseName = "tapflow-" + primitives.NewUUID().String()
		return c, nil
	}
	c.ConnectAttributes["mode"] = "rwc"
	c.DatabaseName = dbFile
	if err := os.MkdirAll(filepath.Dir(dbFile), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory for %s: %w", dbFile, err)
	}
	if _, err := os.Stat(dbFile); errors.Is(err, os.ErrNotExist) {
		if err := sqliteschema.SetupSchema(c); err != nil {
			return nil, fmt.Errorf("create schema in %s: %w", dbFile, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbFile, err)
	}
	return c, nil
}

func serverConfig(frontend string, sqlCfg *config.SQL, portsPath string) (*config.Config, error) {
	host, portStr, err := net.SplitHostPort(frontend)
	if err != nil {
		return nil, fmt.Errorf("temporal address %q: %w", frontend, err)
	}
	port, _ := strconv.Atoi(portStr)
	// A wildcard bind (0.0.0.0) still needs a concrete address for the members and clients to reach.
	broadcast := host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		broadcast = "127.0.0.1"
	}
	reach := net.JoinHostPort(broadcast, portStr)
	ports, err := internalPorts(host, portsPath)
	if err != nil {
		return nil, err
	}
	services := map[string]config.Service{}
	for i, name := range serviceNames {
		grpcPort := port
		if i > 0 {
			grpcPort = ports.GRPC[name]
		}
		services[name] = config.Service{RPC: config.RPC{GRPCPort: grpcPort, MembershipPort: ports.Membership[name], BindOnIP: host}}
	}
	return &config.Config{
		Global: config.Global{Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: broadcast}},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: reach},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services:            services,
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: reach},
	}, nil
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
