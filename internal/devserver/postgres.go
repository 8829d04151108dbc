package devserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"

	"go.temporal.io/server/common/auth"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	postgresplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	schematool "go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// The schema directories inside the server's embedded schema assets, as temporal-sql-tool names them.
const (
	pgMainSchema       = "postgresql/v12/temporal"
	pgVisibilitySchema = "postgresql/v12/visibility"
)

// postgresStores parses a PostgreSQL URL (postgres://user:password@host:port/dbname?sslmode=disable) into the
// main and visibility stores: the visibility database is the main one's name with "_visibility" appended.
func postgresStores(dsn string) (main, visibility *config.SQL, err error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, nil, fmt.Errorf("PostgreSQL DSN %q: want postgres://user[:password]@host:port/database", redactDSN(dsn))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		return nil, nil, fmt.Errorf("PostgreSQL DSN %q names no database: add /database after the host", redactDSN(dsn))
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "5432")
	}
	password, _ := u.User.Password()
	base := config.SQL{
		PluginName:      postgresplugin.PluginName,
		ConnectProtocol: "tcp",
		ConnectAddr:     host,
		User:            u.User.Username(),
		Password:        password,
		DatabaseName:    db,
		MaxConns:        20,
		MaxIdleConns:    20,
	}
	if mode := u.Query().Get("sslmode"); mode != "" && mode != "disable" {
		base.TLS = &auth.TLS{Enabled: true, EnableHostVerification: mode == "verify-full"}
	}
	vis := base
	vis.DatabaseName = db + "_visibility"
	return &base, &vis, nil
}

// setupPostgres creates both databases when missing and brings their schemas to the version this server
// needs, with the server's own schema tooling (what temporal-sql-tool create-database, setup-schema and
// update-schema run). It is idempotent: a database already at the current version is left as it is.
func setupPostgres(main, visibility *config.SQL) error {
	logger := log.NewNoopLogger()
	for _, step := range []struct {
		cfg    *config.SQL
		schema string
	}{{main, pgMainSchema}, {visibility, pgVisibilitySchema}} {
		admin := *step.cfg
		if err := sqltool.DoCreateDatabase(&admin, "postgres", logger); err != nil && !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("create database %s: %w", step.cfg.DatabaseName, err)
		}
		if err := migrate(step.cfg, step.schema, logger); err != nil {
			return fmt.Errorf("schema of database %s: %w", step.cfg.DatabaseName, err)
		}
	}
	return nil
}

func migrate(cfg *config.SQL, schemaName string, logger log.Logger) error {
	c := *cfg
	conn, err := sqltool.NewConnection(&c, logger)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if version, err := conn.ReadSchemaVersion(); err != nil || version == "" {
		setup := schematool.NewSetupSchemaTask(conn, &schematool.SetupConfig{InitialVersion: "0.0"}, logger)
		if err := setup.Run(); err != nil {
			return fmt.Errorf("setup-schema: %w", err)
		}
	}
	update := schematool.NewUpdateSchemaTask(conn, &schematool.UpdateConfig{DBName: cfg.DatabaseName,
		SchemaName: schemaName}, logger)
	if err := update.Run(); err != nil {
		return fmt.Errorf("update-schema: %w", err)
	}
	return nil
}

// redactDSN hides a password in a DSN shown in an error.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// DropPostgres drops the databases a server with this DSN used (the test suites' clean-up). Stop the server first.
func DropPostgres(dsn string) error {
	main, vis, err := postgresStores(dsn)
	if err != nil {
		return err
	}
	for _, cfg := range []*config.SQL{vis, main} {
		c := *cfg
		if err := sqltool.DoDropDatabase(&c, "postgres", log.NewNoopLogger()); err != nil {
			return fmt.Errorf("drop database %s: %w", cfg.DatabaseName, err)
		}
	}
	return nil
}

// FreshPostgres replaces the database in a DSN with a new, random name (prefix_<random>), for a run that must
// not meet an earlier one's state: the test suites and the benchmark. DropPostgres removes it afterwards.
func FreshPostgres(base, prefix string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("PostgreSQL DSN %q: want postgres://user[:password]@host:port/database", redactDSN(base))
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	u.Path = "/" + prefix + "_" + hex.EncodeToString(b)
	return u.String(), nil
}
