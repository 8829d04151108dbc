package logging

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONAtLevel(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "warn", "json")
	require.NoError(t, err)
	log.Info("hidden")
	log.Warn("shown", "employee_id", "E1001")
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	require.Equal(t, "shown", line["msg"])
	require.Equal(t, "E1001", line["employee_id"])
}

func TestBadSettings(t *testing.T) {
	_, err := New(nil, "loud", "json")
	require.ErrorContains(t, err, "debug, info, warn, error")
	_, err = New(nil, "info", "xml")
	require.ErrorContains(t, err, "text or json")
}
