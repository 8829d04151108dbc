// Package temporalclient dials Temporal the same way for the worker, the starter and the tests: address,
// namespace, TLS or API key from flags or the standard TEMPORAL_* variables, and slog for the SDK's logs.
package temporalclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/codec"
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

	EncryptionKeys    string // "id=base64key,..."; the first encrypts (TAPFLOW_ENCRYPTION_KEYS)
	EncryptionKeyFile string // the same, from a file
	NoEncryption      bool   // allow plain payloads on a real cluster
	AllowPlain        bool   // with encryption on, still read payloads written before it was
	Dev               bool   // the embedded dev server: encryption is optional there
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
	s.String(&c.EncryptionKeys, "encryption-keys", "", "payload encryption keys id=base64(32 bytes), comma-separated, the first encrypts "+
		"(required with a Temporal cluster; prefer the variable)")
	s.String(&c.EncryptionKeyFile, "encryption-key-file", "", "file holding the encryption keys, one id=base64 per line")
	s.Bool(&c.NoEncryption, "no-encryption", false, "allow plain payloads on a Temporal cluster (not recommended)")
	s.Bool(&c.AllowPlain, "allow-plain-payloads", false, "with encryption on, still read payloads written before it was turned on")
}

// Codec returns the payload codec the configuration asks for, nil for none. With a real cluster, encryption is
// required unless explicitly turned off.
func (c Config) Codec() (*codec.Codec, error) {
	if c.EncryptionKeys == "" && c.EncryptionKeyFile == "" {
		if !c.Dev && !c.NoEncryption {
			return nil, errors.New("payloads are encrypted by default with a Temporal cluster: set TAPFLOW_ENCRYPTION_KEYS " +
				"(id=base64 of 32 random bytes, e.g. k1=$(openssl rand -base64 32)), or TAPFLOW_NO_ENCRYPTION=true")
		}
		return nil, nil
	}
	keys, err := codec.LoadKeys(c.EncryptionKeys, c.EncryptionKeyFile)
	if err != nil {
		return nil, fmt.Errorf("encryption keys: %w", err)
	}
	if c.AllowPlain {
		return codec.NewAllowingPlain(keys), nil
	}
	return codec.New(keys), nil
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
	cd, err := c.Codec()
	if err != nil {
		return o, err
	}
	if cd != nil {
		o.DataConverter, o.FailureConverter = cd.DataConverter(), cd.FailureConverter()
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
