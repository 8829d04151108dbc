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
	"github.com/tapflow/tapflow/workflows"
)

// testKeys are for this test only; real keys come from the environment or a key file.
const testKeys = "k1=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

// TestEncryptedPayloadsEndToEnd: with encryption on, a joiner runs as usual, the history holds no readable
// employee data, the codec endpoint decodes for the holder of its token, and the embedded UI is wired to it.
func TestEncryptedPayloadsEndToEnd(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.UIAddress, cfg.WebhookAddress, cfg.InMemory = freeAddr(t), "", true
	cfg.Temporal.EncryptionKeys, cfg.CodecToken = testKeys, "codec-test-token"
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	s, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop()

	hire := hrevent.Event{ID: "evt-enc-1", Type: hrevent.Hire, OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{
		EmployeeID: "E1001", User: "ada.lovelace@contoso.example", TimeZone: "UTC", StartDate: time.Now().UTC().Format("2006-01-02"), StartTime: "00:00"}}
	res, err := intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingRegistration
	}, time.Minute, 100*time.Millisecond)

	recordHistory(t, s.Client(), res.WorkflowID, "employee-joiner-encrypted-v1.json") // replayed with testKeys
	raw := historyJSON(t, s, res.WorkflowID)
	require.NotContains(t, string(raw), "ada.lovelace", "no readable employee data in the history")
	require.NotContains(t, string(raw), base64Of("ada.lovelace"), "not even as base64")
	require.Contains(t, string(raw), base64.StdEncoding.EncodeToString([]byte("binary/encrypted")))

	// The codec endpoint decodes a payload from the history for the holder of the token.
	payload := firstInputPayload(t, raw)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{payload}})
	require.NoError(t, err)
	status, _ := postCodec(t, s.HTTPURL()+"/codec/decode", "", body)
	require.Equal(t, http.StatusUnauthorized, status)
	status, decoded := postCodec(t, s.HTTPURL()+"/codec/decode", "codec-test-token", body)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, decoded, base64Of(`{"employee_id":"E1001"`)[:24], "decoded back to the plain JSON payload")

	// The embedded UI is told where the codec endpoint is.
	resp, err := http.Get(s.UIURL() + "/api/v1/settings")
	require.NoError(t, err)
	settings, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(settings), s.HTTPURL()+"/codec")

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
