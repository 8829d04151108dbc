package graphemu

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testHookSecret is a Standard Webhooks secret for the sink tests.
var testHookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("graphemu-test-webhook-secret-32b"))

// signedHeaders signs body with secret as tapflow's courier does, at the real time.
func signedHeaders(t *testing.T, secret, id, body string) map[string]string {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	now := time.Now()
	sig, err := wh.Sign(id, now, []byte(body))
	require.NoError(t, err)
	return map[string]string{"Content-Type": "application/json", standardwebhooks.HeaderWebhookID: id,
		standardwebhooks.HeaderWebhookTimestamp: strconv.FormatInt(now.Unix(), 10), standardwebhooks.HeaderWebhookSignature: sig}
}

func TestOutboxMail(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", mailBody("grace.hopper@contoso.example"))
	require.Equal(t, http.StatusAccepted, r.status, string(r.body))
	assert.JSONEq(t, "[]", string(env.ctl(http.MethodGet, "/_emulator/outbox", nil).body), "an internal message stays in band")

	env.clock.Advance(time.Minute)
	external := mailBody("Grace@Personal.Example", "alan.turing@CONTOSO.example")
	external["message"].(map[string]any)["bccRecipients"] = []any{
		map[string]any{"emailAddress": map[string]any{"address": "grace@personal.example"}},
		map[string]any{"emailAddress": map[string]any{"address": "audit@contoso.example@archive.example"}},
	}
	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", external)
	require.Equal(t, http.StatusAccepted, r.status, string(r.body))

	out := env.ctl(http.MethodGet, "/_emulator/outbox", nil).arr(t)
	require.Len(t, out, 1)
	assert.Equal(t, map[string]any{"kind": "mail", "to": []any{"Grace@Personal.Example", "audit@contoso.example@archive.example"},
		"subject": "Welcome", "body": "<p>Hello</p>", "time": "2025-06-02T09:01:00Z"}, out[0])
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t), 2, "mail keeps every message")

	r = env.ctl(http.MethodPut, "/_emulator/domains", map[string]any{"domains": []map[string]any{
		{"id": "contoso.example", "isVerified": true}, {"id": "personal.example"}, {"id": "archive.example"}}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", external)
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/outbox", nil).arr(t), 1, "every recipient is now in a tenant domain")

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/outbox", nil).status)
	assert.JSONEq(t, "[]", string(env.ctl(http.MethodGet, "/_emulator/outbox", nil).body))
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t), 3, "clearing the outbox keeps the mail")
}

func TestOutboxWebhookSigned(t *testing.T) {
	env := newEnv(t, nil)
	assert.Equal(t, map[string]any{"secret_set": false}, env.ctl(http.MethodGet, "/_emulator/webhook", nil).obj(t))
	r := env.ctl(http.MethodPut, "/_emulator/webhook", map[string]any{"secret": testHookSecret})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, map[string]any{"secret_set": true}, r.obj(t))
	assert.Equal(t, map[string]any{"secret_set": true}, env.ctl(http.MethodGet, "/_emulator/webhook", nil).obj(t))

	body := `{"type":"tapflow.pass","user":"grace.hopper@contoso.example","text":"Your pass"}`
	r = env.call(http.MethodPost, "/_emulator/webhook", body, signedHeaders(t, testHookSecret, "msg_1", body))
	require.Equal(t, http.StatusNoContent, r.status, string(r.body))
	assert.Empty(t, r.body)

	forged := signedHeaders(t, "whsec_"+base64.StdEncoding.EncodeToString([]byte("some-other-secret-of-32-bytes!!!")), "msg_2", body)
	stale := signedHeaders(t, testHookSecret, "msg_3", body)
	stale[standardwebhooks.HeaderWebhookTimestamp] = strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	tampered := signedHeaders(t, testHookSecret, "msg_4", body)
	for name, h := range map[string]map[string]string{"forged": forged, "unsigned": nil, "stale": stale, "tampered": tampered} {
		sent := body
		if name == "tampered" {
			sent = `{"type":"tapflow.pass","user":"mallory@evil.example","text":"Your pass"}`
		}
		r = env.call(http.MethodPost, "/_emulator/webhook", sent, h)
		require.Equal(t, http.StatusUnauthorized, r.status, name)
		assert.Equal(t, "InvalidSignature", r.errCode(t), name)
	}

	out := env.ctl(http.MethodGet, "/_emulator/outbox", nil).arr(t)
	require.Len(t, out, 1, "refused deliveries are not recorded")
	assert.Equal(t, map[string]any{"kind": "webhook", "webhook_id": "msg_1", "verified": true, "time": "2025-06-02T09:00:00Z",
		"body": map[string]any{"type": "tapflow.pass", "user": "grace.hopper@contoso.example", "text": "Your pass"}}, out[0])
	assert.NotContains(t, string(env.ctl(http.MethodGet, "/_emulator/webhook", nil).body), "whsec_")
}

func TestOutboxWebhookUnverifiedAndReset(t *testing.T) {
	env := newEnv(t, nil)
	r := env.call(http.MethodPost, "/_emulator/webhook", `{"to":"+15550100","text":"hi"}`, nil)
	require.Equal(t, http.StatusNoContent, r.status, string(r.body))
	r = env.call(http.MethodPost, "/_emulator/webhook", "plain text, not JSON", map[string]string{"webhook-id": "msg_9"})
	require.Equal(t, http.StatusNoContent, r.status, string(r.body))
	env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", mailBody("grace@personal.example"))

	out := env.ctl(http.MethodGet, "/_emulator/outbox", nil).arr(t)
	require.Len(t, out, 3)
	assert.Equal(t, map[string]any{"kind": "webhook", "webhook_id": "", "verified": false, "time": "2025-06-02T09:00:00Z",
		"body": map[string]any{"to": "+15550100", "text": "hi"}}, out[0])
	assert.Equal(t, "plain text, not JSON", out[1]["body"])
	assert.Equal(t, "msg_9", out[1]["webhook_id"])
	assert.Equal(t, "mail", out[2]["kind"], "newest last")

	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/webhook", map[string]any{"secret": testHookSecret}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	assert.JSONEq(t, "[]", string(env.ctl(http.MethodGet, "/_emulator/outbox", nil).body), "a reset empties the outbox")
	assert.Equal(t, map[string]any{"secret_set": false}, env.ctl(http.MethodGet, "/_emulator/webhook", nil).obj(t),
		"a reset forgets the secret")
	r = env.call(http.MethodPost, "/_emulator/webhook", `{}`, nil)
	require.Equal(t, http.StatusNoContent, r.status, "without a secret an unsigned delivery is accepted again")

	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/webhook", map[string]any{"secret": testHookSecret}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/webhook", nil).status)
	assert.Equal(t, map[string]any{"secret_set": false}, env.ctl(http.MethodGet, "/_emulator/webhook", nil).obj(t))
}

func TestOutboxWebhookSecretValidation(t *testing.T) {
	env := newEnv(t, nil)
	for name, body := range map[string]any{
		"no prefix":     map[string]any{"secret": base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789"))},
		"not base64":    map[string]any{"secret": "whsec_not*base64!"},
		"empty key":     map[string]any{"secret": "whsec_"},
		"missing":       map[string]any{},
		"unknown field": map[string]any{"secret": testHookSecret, "key": "x"},
		"not JSON":      `{"secret":`,
	} {
		r := env.ctl(http.MethodPut, "/_emulator/webhook", body)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "BadRequest", r.errCode(t), name)
	}
	assert.Equal(t, map[string]any{"secret_set": false}, env.ctl(http.MethodGet, "/_emulator/webhook", nil).obj(t))

	big := `{"text":"` + string(make([]byte, maxWebhookBody)) + `"}`
	r := env.call(http.MethodPost, "/_emulator/webhook", big, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.JSONEq(t, "[]", string(env.ctl(http.MethodGet, "/_emulator/outbox", nil).body))
}
