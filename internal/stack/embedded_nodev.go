//go:build nodev

package stack

import (
	"context"
	"errors"

	"github.com/tapflow/tapflow/internal/cliconf"
)

// EmbeddedServer reports whether this build can run the embedded Temporal server (dev mode). This one, built
// with the nodev tag, cannot: it joins a Temporal cluster only, and does not link the Temporal server.
const EmbeddedServer = false

// ErrNoEmbeddedServer is what Start returns in a nodev build when no Temporal cluster is configured.
var ErrNoEmbeddedServer = errors.New("this build has no embedded Temporal server (built with -tags nodev): " +
	"set TEMPORAL_ADDRESS (or --temporal-address) to your cluster")

// startTemporal refuses, as a configuration error (exit code 2): a nodev build has no embedded server to start.
func (s *Stack) startTemporal(context.Context) error { return cliconf.Usage(ErrNoEmbeddedServer) }
