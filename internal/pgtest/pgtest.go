// Package pgtest gives tests a fresh PostgreSQL database for a Temporal server, when the environment offers
// one: TAPFLOW_TEST_POSTGRES_DSN names a server (postgres://user@host:port/anydb?sslmode=disable). Without it
// the tests that need PostgreSQL skip, so the plain test command passes on a machine without PostgreSQL.
package pgtest

import (
	"os"
	"testing"

	"github.com/tapflow/tapflow/internal/devserver"
)

// EnvVar names the variable that enables the PostgreSQL suites.
const EnvVar = "TAPFLOW_TEST_POSTGRES_DSN"

// DSN returns a DSN for a database of its own (tapflow_test_<random>, with its _visibility twin), created by
// the server that first opens it and dropped when the test ends. Stop the server before the test returns.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		t.Skipf("%s is not set: the PostgreSQL suite needs a server (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvVar)
	}
	dsn, err := devserver.FreshPostgres(base, "tapflow_test")
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	t.Cleanup(func() {
		if err := devserver.DropPostgres(dsn); err != nil {
			t.Logf("clean-up: %v", err)
		}
	})
	return dsn
}
