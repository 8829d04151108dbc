package stack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/secretscan"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// testKeys are for this test only; real keys come from the environment or a key file.
const testKeys = "k1=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

// TestEncryptedPayloadsEndToEnd: with encryption on, a joiner runs as usual, the history holds no readable
// employee data, the codec endpoint decodes for the holder of its token, and the embedded UI is wired to it.
func TestEncryptedPayloadsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(dir)
	cfg.UIAddress, cfg.WebhookAddress = testkit.FreeAddr(t), ""
	cfg.Temporal.EncryptionKeys = testKeys // strict: a plain payload anywhere would fail the journey
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	s, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop() // idempotent: the test stops it earlier to read the database

	hire := hrevent.Event{ID: "evt-enc-1", Type: hrevent.Hire, OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{
		EmployeeID: "E1001", User: "ada.lovelace@contoso.example", TimeZone: "UTC", StartDate: time.Now().UTC().Format("2006-01-02"), StartTime: "00:00"}}
	res, err := intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingRegistration
	}, time.Minute, 100*time.Millisecond)

	recordHistory(t, s.Client(), res.WorkflowID, "employee-joiner-encrypted-v1.json") // replayed with testKeys
	raw := historyJSON(t, s, res.WorkflowID)
	require.Empty(t, secretscan.Scan([]string{"ada.lovelace", "Europe/London"}, map[string][]byte{"history": raw}),
		"no readable employee data in the history, at any base64 alignment")
	requireAllEncrypted(t, raw)

	// The codec endpoint decodes a payload from the history for the holder of the token.
	payload := firstInputPayload(t, raw)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{payload}})
	require.NoError(t, err)
	status, decoded := postCodec(t, s.HTTPURL()+"/codec/decode", "", body) // dev, loopback: no token
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, decoded, base64Of(`{"employee_id":"E1001"`)[:24], "decoded back to the plain JSON payload")

	// The embedded UI is told where the codec endpoint is.
	resp, err := http.Get(s.UIURL() + "/api/v1/settings")
	require.NoError(t, err)
	settings, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(settings), s.HTTPURL()+"/codec")

	// Nor in the database file, once the server has written it out.
	s.Stop()
	files := map[string][]byte{}
	addDatabase(t, files, dir)
	require.Empty(t, secretscan.Scan([]string{"ada.lovelace"}, files))
}

// requireAllEncrypted checks every payload in every "payloads" list of a history is encrypted.
func requireAllEncrypted(t *testing.T, history []byte) {
	t.Helper()
	var doc any
	require.NoError(t, json.Unmarshal(history, &doc))
	encrypted := base64.StdEncoding.EncodeToString([]byte("binary/encrypted"))
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if list, ok := x["payloads"].([]any); ok {
				for _, p := range list {
					meta, _ := p.(map[string]any)["metadata"].(map[string]any)
					require.Equal(t, encrypted, meta["encoding"], "a payload in the history is not encrypted")
					n++
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	require.Greater(t, n, 10)
}

func base64Of(s string) string {
	return strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "=")
}

func postCodec(t *testing.T, url, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// firstInputPayload digs the workflow's first input payload out of the history JSON.
func firstInputPayload(t *testing.T, history []byte) *commonpb.Payload {
	t.Helper()
	var h struct {
		Events []struct {
			Attrs *struct {
				Input struct {
					Payloads []json.RawMessage `json:"payloads"`
				} `json:"input"`
			} `json:"workflowExecutionStartedEventAttributes"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(history, &h))
	require.NotNil(t, h.Events[0].Attrs)
	var p commonpb.Payload
	require.NoError(t, protojson.Unmarshal(h.Events[0].Attrs.Input.Payloads[0], &p))
	return &p
}
