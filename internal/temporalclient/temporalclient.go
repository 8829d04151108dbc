// Package temporalclient dials Temporal the same way for the worker, the starter and the tests: address,
// namespace, TLS or API key from flags or the standard TEMPORAL_* variables, and slog for the SDK's logs.
package temporalclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tapflow/tapflow/internal/cliconf"
)

// Config is how to reach a Temporal cluster.
type Config struct {
	Address     string // host:port; empty means the embedded dev server
	Namespace   string
	APIKey      string // Temporal Cloud API key
	TLSCertPath string // mTLS client certificate
	TLSKeyPath  string
	TLSCAPath   string // CA for the server certificate; empty uses the system roots
	TLS         bool   // TLS without a client certificate (implied by the certificate or the API key)
}

// Bind registers the Temporal flags (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...) on a flag set.
func Bind(s *cliconf.Set, c *Config) {
	s.String(&c.Address, "temporal-address", "", "Temporal frontend host:port; empty runs the embedded dev server")
	s.String(&c.Namespace, "temporal-namespace", "default", "Temporal namespace")
	s.String(&c.APIKey, "temporal-api-key", "", "Temporal Cloud API key (prefer the environment variable)")
	s.String(&c.TLSCertPath, "temporal-tls-cert", "", "client certificate file for mTLS")
	s.String(&c.TLSKeyPath, "temporal-tls-key", "", "client private key file for mTLS")
	s.String(&c.TLSCAPath, "temporal-tls-ca", "", "CA file to verify the Temporal server")
	s.Bool(&c.TLS, "temporal-tls", false, "use TLS without a client certificate")
}

// Options builds the SDK client options; callers add metrics and a data converter.
func (c Config) Options(logger *slog.Logger) (client.Options, error) {
	o := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
		Logger:    sdklog.NewStructuredLogger(logger),
	}
	if (c.TLSCertPath == "") != (c.TLSKeyPath == "") {
		return o, fmt.Errorf("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both or neither")
	}
	if c.TLS || c.TLSCertPath != "" || c.TLSCAPath != "" || c.APIKey != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.TLSCertPath != "" {
			cert, err := tls.LoadX509KeyPair(c.TLSCertPath, c.TLSKeyPath)
			if err != nil {
				return o, fmt.Errorf("load TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if c.TLSCAPath != "" {
			pem, err := os.ReadFile(c.TLSCAPath)
			if err != nil {
				return o, fmt.Errorf("read TEMPORAL_TLS_CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return o, fmt.Errorf("TEMPORAL_TLS_CA %s holds no PEM certificate", c.TLSCAPath)
			}
			tc.RootCAs = pool
		}
		o.ConnectionOptions.TLS = tc
	}
	if c.APIKey != "" {
		o.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	return o, nil
}

// Dial connects and checks the connection, with an error that names the address.
func Dial(ctx context.Context, o client.Options) (client.Client, error) {
	c, err := client.DialContext(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", o.HostPort, o.Namespace, err)
	}
	return c, nil
}
