package stack

import "github.com/tapflow/tapflow/internal/temporalclient"

func tcfg() temporalclient.Config { return temporalclient.Config{Namespace: "default"} }
