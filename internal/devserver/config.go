package devserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
)

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
			// A half-made file would fail every later start: remove it so the next start begins afresh.
			for _, f := range []string{dbFile, dbFile + "-wal", dbFile + "-shm"} {
				_ = os.Remove(f)
			}
			return nil, fmt.Errorf("create schema in %s: %w", dbFile, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbFile, err)
	}
	return c, nil
}

// persistenceConfig is the server's persistence on SQLite or PostgreSQL, with the store namespaces are
// registered in (the main one).
func persistenceConfig(o Options) (config.Persistence, *config.SQL, error) {
	if o.Postgres != "" {
		main, vis, err := postgresStores(o.Postgres)
		if err != nil {
			return config.Persistence{}, nil, err
		}
		if err := setupPostgres(main, vis); err != nil {
			return config.Persistence{}, nil, fmt.Errorf("PostgreSQL at %s: %w", main.ConnectAddr, err)
		}
		return config.Persistence{
			DefaultStore:     "postgres-default",
			VisibilityStore:  "postgres-visibility",
			NumHistoryShards: int32(o.HistoryShards),
			DataStores: map[string]config.DataStore{
				"postgres-default":    {SQL: main},
				"postgres-visibility": {SQL: vis},
			},
		}, main, nil
	}
	sqlCfg, err := sqliteConfig(o.DBFile)
	if err != nil {
		return config.Persistence{}, nil, err
	}
	return config.Persistence{
		DefaultStore:     sqliteplugin.PluginName,
		VisibilityStore:  sqliteplugin.PluginName,
		NumHistoryShards: int32(o.HistoryShards),
		DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
	}, sqlCfg, nil
}

func serverConfig(frontend string, persistence config.Persistence, portsPath string) (*config.Config, error) {
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
	ports, err := internalPorts(host, portsPath, port)
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
		Global:      config.Global{Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: broadcast}},
		Persistence: persistence,
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
