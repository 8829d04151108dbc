// Package stack assembles a running tapflow worker process from its configuration: the embedded Temporal
// server and Web UI (dev mode) or a Temporal cluster, the Graph emulator or real Graph, the health and metrics
// endpoint, and the Temporal workers. worker/main.go and the end-to-end tests both start it.
package stack

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/interceptor"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hooks"
	"github.com/tapflow/tapflow/internal/logging"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/internal/tracing"
	"github.com/tapflow/tapflow/internal/webhook"
)

// Config is everything the worker process is told.
type Config struct {
	Temporal temporalclient.Config
	Graph    graph.Config
	Journey  JourneyConfig
	// Directory is the directory source (Entra's users delta query as an HR source).
	Directory DirectoryConfig
	// Vendors are the HR vendors' webhooks (BambooHR, HiBob).
	Vendors hooks.Config

	DevTemporalAddress string  // embedded Temporal frontend, when Temporal.Address is empty
	UIAddress          string  // embedded Web UI; empty for none
	EmulatorAddress    string  // embedded Graph emulator, when no Graph is configured
	HTTPAddress        string  // health and metrics
	WebhookAddress     string  // the HR webhook receiver, mounted in dev mode
	WebhookSecret      string  // its signing secret(s), comma-separated while rotating; dev mode generates one
	FeedToken          string  // bearer token for scheduled feeds fetched over HTTPS
	FeedSources        string  // where scheduled feeds may be read from (feedsource.Parse)
	CodecToken         string  // bearer token the codec endpoint requires; empty: none (dev only)
	CodecEncodeToken   string  // bearer token of the codec's encode endpoint; empty: encode is off
	CodecOrigin        string  // the Web UI origin allowed to call the codec endpoint
	DataDir            string  // where the embedded server keeps its SQLite file
	InMemory           bool    // keep the embedded server's state in memory instead
	DevPostgres        string  // keep the embedded server's state in this PostgreSQL database instead
	DevHistoryShards   int     // the embedded server's history shards (fixed when its database is created)
	GraphSeed          string  // a JSON directory for the emulator; empty for the demo directory
	AllowEmulator      bool    // allow the emulator with a real Temporal cluster
	GraphRateLimit     float64 // Graph activities per second for the whole task queue; 0 = unlimited
	WorkflowCacheSize  int     // workflows kept in memory between their tasks (the SDK's sticky cache)

	LogLevel  string
	LogFormat string
	// GraphInterceptors wrap the Graph worker's activities (tracing, tests that watch the rate limit).
	GraphInterceptors []interceptor.WorkerInterceptor
	// AuditLog receives the audit lines (JSON, one per pass issued, delivered or revoked); nil = the process log.
	AuditLog io.Writer
	// Tracing traces workflows, activities and Graph calls (tracing.FromEnv); nil = off. The caller shuts it down.
	Tracing *tracing.Tracing
}

// Bind registers every worker setting as a flag with its environment variable.
func Bind(s *cliconf.Set, c *Config) {
	temporalclient.Bind(s, &c.Temporal)
	s.Addr(&c.DevTemporalAddress, "dev-temporal-address", "127.0.0.1:7233", "embedded Temporal server address (dev mode)")
	s.Addr(&c.UIAddress, "ui-address", "127.0.0.1:8233", "embedded Temporal Web UI address (dev mode)")
	s.Addr(&c.EmulatorAddress, "emulator-address", "127.0.0.1:8089", "embedded Graph emulator address")
	s.Addr(&c.HTTPAddress, "http-address", "127.0.0.1:9090", "health (/healthz, /readyz) and metrics (/metrics) address")
	s.Addr(&c.WebhookAddress, "webhook-address", "127.0.0.1:8088", "HR webhook receiver address (dev mode; elsewhere run starter serve)")
	s.String(&c.CodecToken, "codec-token", "", "bearer token for the /codec endpoint (required with a Temporal cluster when encryption is on)")
	s.String(&c.CodecEncodeToken, "codec-encode-token", "", "bearer token of /codec/encode, which is off without one (it lets its holder make encrypted payloads)")
	s.String(&c.CodecOrigin, "codec-cors-origin", "", "Temporal Web UI origin allowed to call /codec, e.g. https://temporal.example.com")
	s.String(&c.FeedToken, "feed-token", "", "bearer token sent when a scheduled batch fetches its feed over HTTPS (prefer the variable)")
	s.String(&c.FeedSources, "feed-sources", "", "directories and https:// origins scheduled feeds may be read from, comma-separated; empty: none")
	s.String(&c.WebhookSecret, "webhook-secret", "", "HR webhook signing secret(s), whsec_..., comma-separated while rotating (dev mode: generated when unset)")
	s.String(&c.DataDir, "data-dir", ".tapflow", "directory for the embedded server's SQLite file")
	s.Bool(&c.InMemory, "in-memory", false, "keep the embedded server's state in memory (lost on exit)")
	s.String(&c.DevPostgres, "dev-postgres", "", "keep the embedded server's state in PostgreSQL instead of SQLite: "+
		"postgres://user[:password]@host:port/database (the database and database_visibility are created and migrated)")
	s.Int(&c.DevHistoryShards, "dev-history-shards", 1, 1, "the embedded server's history shards; fixed when its database is created")
	s.String(&c.GraphSeed, "graph-seed", "", "JSON directory to load into the Graph emulator (default: the demo directory)")
	s.Bool(&c.AllowEmulator, "allow-emulator", false, "allow the Graph emulator with a real Temporal cluster")
	s.Float(&c.GraphRateLimit, "graph-rate-limit", 0, "Graph calls per second across all workers (task-queue limit, enforced by "+
		"the Temporal server); 0 = no limit. Set a fraction of the tenant's Graph write budget")
	s.Int(&c.WorkflowCacheSize, "workflow-cache-size", 1000, 1, "workflows kept in memory between their tasks; one evicted "+
		"is replayed from its history (about 40 events) when it next has work. Thousands of waiting joiners need little memory")
	s.Enum(&c.LogLevel, "log-level", "info", logging.Levels(), "log level")
	s.Enum(&c.LogFormat, "log-format", "text", logging.Formats(), "log format")
	BindGraph(s, &c.Graph)
	bindJourney(s, &c.Journey)
	bindDirectory(s, &c.Directory)
	hooks.Bind(s, &c.Vendors)
}

// BindGraph binds the Graph client's settings: the worker's, and the pickup page's in starter serve.
func BindGraph(s *cliconf.Set, g *graph.Config) {
	s.Enum(&g.Cloud, "graph-cloud", "global", graph.CloudNames(),
		"Microsoft cloud for Graph and sign-in")
	s.String(&g.BaseURL, "graph-url", "", "Graph v1.0 base URL (overrides the cloud's; an emulator or proxy)")
	s.String(&g.Authority, "graph-authority", "", "Entra sign-in host (overrides the cloud's)")
	s.String(&g.StaticToken, "graph-static-token", "", "fixed bearer token for a Graph-compatible endpoint instead of Entra credentials")
	cliconf.EnumOf(s, &g.Credential, "graph-credential", graph.CredentialAuto, graph.CredentialKinds(), "how to authenticate to Entra")
	s.String(&g.TenantID, "azure-tenant-id", "", "Entra tenant id")
	s.String(&g.ClientID, "azure-client-id", "", "Entra app (client) id, or a user-assigned managed identity's client id")
	s.String(&g.ClientSecret, "azure-client-secret", "", "Entra app client secret (prefer the environment variable)")
	s.String(&g.CertificatePath, "azure-client-certificate-path", "", "PEM or PKCS#12 file with the app's certificate and key")
	s.String(&g.CertificatePassword, "azure-client-certificate-password", "", "password of the PKCS#12 file")
	s.String(&g.FederatedTokenFile, "azure-federated-token-file", "", "workload identity token file")
	s.Duration(&g.Timeout, "graph-timeout", 30*time.Second, "timeout of one Graph request")
}

// GraphMode is where Graph calls go.
type GraphMode string

// The Graph modes.
const (
	GraphEmulator GraphMode = "emulator" // the embedded emulator
	GraphEndpoint GraphMode = "endpoint" // a Graph-compatible URL with a static token
	GraphEntra    GraphMode = "entra"    // real Graph with Entra credentials
)

// Mode says where Graph calls go under this configuration.
func (c Config) Mode() GraphMode {
	switch {
	case c.Graph.EntraRequested():
		return GraphEntra
	case c.Graph.BaseURL != "" || c.Graph.StaticToken != "":
		return GraphEndpoint
	}
	return GraphEmulator
}

// DevTemporal reports whether the embedded Temporal server runs.
func (c Config) DevTemporal() bool { return c.Temporal.Address == "" }

// DBFile is the embedded server's SQLite file, or "" in memory.
func (c Config) DBFile() string {
	if c.InMemory {
		return ""
	}
	return filepath.Join(c.DataDir, "temporal.db")
}

// Check refuses configurations that must not start, naming what is missing or wrong.
func (c Config) Check() error {
	if c.Graph.Timeout > 40*time.Second {
		return fmt.Errorf("TAPFLOW_GRAPH_TIMEOUT=%s: at most 40s (a Graph activity gives up after 45s)", c.Graph.Timeout)
	}
	encrypting := c.Temporal.EncryptionKeys != "" || c.Temporal.EncryptionKeyFile != ""
	if encrypting && c.CodecToken == "" && (!c.DevTemporal() || !loopback(c.HTTPAddress)) {
		return errors.New("TAPFLOW_CODEC_TOKEN is required with a Temporal cluster or a non-loopback TAPFLOW_HTTP_ADDRESS: " +
			"the /codec endpoint decrypts payloads for whoever calls it")
	}
	if c.CodecToken != "" && len(c.CodecToken) < 32 {
		return errors.New("TAPFLOW_CODEC_TOKEN must be at least 32 characters (e.g. openssl rand -hex 24)")
	}
	if c.CodecEncodeToken != "" && (len(c.CodecEncodeToken) < 32 || c.CodecEncodeToken == c.CodecToken) {
		return errors.New("TAPFLOW_CODEC_ENCODE_TOKEN must be at least 32 characters and differ from TAPFLOW_CODEC_TOKEN")
	}
	if c.WebhookSecret != "" {
		if _, err := webhook.NewHandler(webhook.SplitSecrets(c.WebhookSecret), nil, nil); err != nil {
			return fmt.Errorf("TAPFLOW_WEBHOOK_SECRET: %w", err)
		}
	}
	if c.DevPostgres != "" && c.DevTemporal() {
		u, err := url.Parse(c.DevPostgres)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			// The value may hold a password: it is not repeated.
			return errors.New("TAPFLOW_DEV_POSTGRES: want postgres://user[:password]@host:port/database[?sslmode=disable]")
		}
	}
	if c.GraphSeed != "" {
		if _, err := graphemu.LoadSeed(c.GraphSeed); err != nil {
			return fmt.Errorf("TAPFLOW_GRAPH_SEED: %w", err)
		}
	}
	if err := c.Journey.check(); err != nil {
		return err
	}
	switch c.Mode() {
	case GraphEntra:
		if err := c.Graph.Validate(); err != nil {
			return err
		}
	case GraphEndpoint:
		if c.Graph.BaseURL == "" || c.Graph.StaticToken == "" {
			return errors.New("a Graph endpoint needs both TAPFLOW_GRAPH_URL and TAPFLOW_GRAPH_STATIC_TOKEN " +
				"(or configure Entra credentials: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)")
		}
		if err := c.Graph.Validate(); err != nil {
			return err
		}
	case GraphEmulator:
		if !c.DevTemporal() && !c.AllowEmulator {
			return fmt.Errorf("TEMPORAL_ADDRESS=%s is a real Temporal cluster but no Microsoft Graph is configured: "+
				"set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or another credential, see --help), "+
				"or TAPFLOW_ALLOW_EMULATOR=true to use the Graph emulator on purpose", c.Temporal.Address)
		}
	}
	tc := c.Temporal
	tc.Dev = c.DevTemporal()
	if _, err := tc.Codec(); err != nil {
		return err
	}
	if c.Mode() != GraphEmulator && c.Journey.Settings.Channel != "webhook" && c.Journey.SenderMailbox == "" {
		return errors.New("TAPFLOW_SENDER_MAILBOX is required to mail passes to managers (the mailbox tapflow sends from; " +
			"grant Mail.Send limited to it), or set TAPFLOW_DELIVERY=webhook")
	}
	return nil
}

// loopback reports whether a listen address is reachable only from this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
