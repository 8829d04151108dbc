package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
	sdklog "go.temporal.io/sdk/log"
)

// uiServer is the embedded Temporal Web UI.
type uiServer struct {
	srv  *uiserver.Server
	done chan struct{}
}

func startUI(addr, frontend, namespace, codecEndpoint string) (*uiServer, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ui address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("ui port %q: %w", portStr, err)
	}
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: frontend,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		HideLogs:            true,
		DisableNewsFetch:    true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		Codec:               uiconfig.Codec{Endpoint: codecEndpoint},
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ui config: %w", err)
	}
	u := &uiServer{srv: uiserver.NewServer(server_options.WithConfigProvider(cfg)), done: make(chan struct{})}
	go func() {
		defer close(u.done)
		_ = u.srv.Start() // returns when stopped; the address was checked free just before
	}()
	// Wait until the UI answers, so callers can print its URL as working.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			return u, nil
		}
		if time.Now().After(deadline) {
			u.stop()
			return nil, errors.Join(fmt.Errorf("temporal web ui did not start on %s", addr), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *uiServer) stop() {
	u.srv.Stop()
	<-u.done
}

// discardSDKLogger silences the SDK client the server uses for its own readiness check.
func discardSDKLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
