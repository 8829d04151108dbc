//go:build !nodev

package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapflow/tapflow/internal/devserver"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// EmbeddedServer reports whether this build can run the embedded Temporal server (dev mode). Builds tagged
// nodev cannot: they join a Temporal cluster only, and do not link the Temporal server.
const EmbeddedServer = true

// startTemporal runs the embedded Temporal server and Web UI, stopped by Stop.
func (s *Stack) startTemporal(ctx context.Context) error {
	srv, err := devserver.Start(ctx, devserver.Options{
		Address:          s.cfg.DevTemporalAddress,
		UICodecEndpoint:  s.codecEndpoint(),
		DBFile:           s.cfg.DBFile(),
		Postgres:         s.cfg.DevPostgres,
		HistoryShards:    s.cfg.DevHistoryShards,
		UIAddress:        s.cfg.UIAddress,
		SearchAttributes: searchattr.Definitions(),
		Logger:           s.log.With("component", "temporal-server"),
	})
	var busy *devserver.PortInUseError
	if errors.As(err, &busy) {
		flag := "dev-temporal-address"
		if busy.Part == "ui" {
			flag = "ui-address"
		}
		return fmt.Errorf("cannot listen on %s (%v): free the port or move it with --%s", busy.Addr, busy.Err, flag)
	}
	if err != nil {
		return fmt.Errorf("embedded Temporal server: %w", err)
	}
	s.temporal = srv
	s.stops = append(s.stops, func() {
		if err := srv.Stop(); err != nil {
			s.log.Warn("embedded Temporal server stopped with an error", "err", err)
		}
	})
	return nil
}
