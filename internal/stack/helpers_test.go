package stack

import (
	"log/slog"
	"net"
	"testing"

	sdklog "go.temporal.io/sdk/log"

	"github.com/tapflow/tapflow/internal/temporalclient"
)

func tcfg() temporalclient.Config { return temporalclient.Config{Namespace: "default"} }

// freeAddr is a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// quietSDK silences a test client's logs.
func quietSDK() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
