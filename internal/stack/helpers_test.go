package stack

import (
	"log/slog"

	sdklog "go.temporal.io/sdk/log"

	"github.com/tapflow/tapflow/internal/temporalclient"
)

func tcfg() temporalclient.Config { return temporalclient.Config{Namespace: "default"} }

// quietSDK silences a test client's logs.
func quietSDK() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
