package webhook

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
)

// FuzzParseEvent: any body gives an event that validates, or field problems; never a panic.
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{hireBody, `{}`, `[]`, `{"id":"x","type":"rescind","occurred_at":"2026-01-01T00:00:00Z","employee":{"employee_id":"E"}}`,
		`{"employee":{"leave_at":"2026-13-40"}}`, `{"changes":{"privileged":"yes"}}`, "\x00", `{"id":"a"}{"id":"b"}`} {
		f.Add([]byte(seed), "msg_1")
	}
	f.Fuzz(func(t *testing.T, body []byte, headerID string) {
		e, err := ParseEvent(body, headerID)
		if err == nil {
			require.NotEmpty(t, e.ID)
			require.NotEmpty(t, e.Employee.EmployeeID)
		}
	})
}

// FuzzVerify: a signature made with the secret verifies for any id, body and timestamp within tolerance;
// the same signature on a changed body does not; nothing panics.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", []byte(hireBody), int64(0))
	f.Add("", []byte{}, int64(120))
	f.Add("m", []byte("\xff\xfe"), int64(-299))
	h, err := NewHandler([]string{newSecret}, nil, nil)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, id string, body []byte, skew int64) {
		ts := time.Now().Unix() + skew%299
		headers := http.Header{}
		headers.Set(standardwebhooks.HeaderWebhookID, id)
		headers.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
		headers.Set(standardwebhooks.HeaderWebhookSignature, sign(newSecret, id, ts, string(body)))
		ok := h.verified(body, headers)
		if id != "" {
			require.True(t, ok)
			require.False(t, h.verified(append(body, 'x'), headers))
		}
	})
}
