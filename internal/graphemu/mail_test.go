package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mailBody is a sendMail body like the SDK builds it (enum values in lower case).
func mailBody(to ...string) map[string]any {
	recipients := []any{}
	for _, a := range to {
		recipients = append(recipients, map[string]any{"emailAddress": map[string]any{"address": a, "name": "Someone"}})
	}
	return map[string]any{
		"message": map[string]any{
			"@odata.type":            "#microsoft.graph.message",
			"subject":                "Welcome",
			"body":                   map[string]any{"contentType": "html", "content": "<p>Hello</p>"},
			"toRecipients":           recipients,
			"ccRecipients":           []any{map[string]any{"emailAddress": map[string]any{"address": "helpdesk@contoso.example"}}},
			"internetMessageHeaders": []any{map[string]any{"name": "x-tapflow-case", "value": "E1001"}},
		},
		"saveToSentItems": false,
	}
}

func TestSendMail(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodPost, "/v1.0/users/tapflow@contoso.example/sendMail", mailBody("grace.hopper@contoso.example"))
	require.Equal(t, http.StatusAccepted, r.status, string(r.body))
	assert.Empty(t, r.body)
	assert.NotEmpty(t, r.header.Get("request-id"))

	out := env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t)
	require.Len(t, out, 1)
	m := out[0]
	assert.NotEmpty(t, m["id"])
	assert.Equal(t, "tapflow@contoso.example", m["sender"])
	assert.Equal(t, "Welcome", m["subject"])
	assert.Equal(t, "HTML", m["contentType"])
	assert.Equal(t, "<p>Hello</p>", m["body"])
	assert.Equal(t, []any{"grace.hopper@contoso.example"}, m["to"])
	assert.Equal(t, []any{"helpdesk@contoso.example"}, m["cc"])
	assert.Equal(t, "2025-06-02T09:00:00Z", m["sentAt"])
	assert.Equal(t, false, m["saveToSentItems"])

	env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", mailBody("alan.turing@contoso.example"))
	out = env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t)
	require.Len(t, out, 2)
	assert.Equal(t, []any{"alan.turing@contoso.example"}, out[1]["to"], "newest last")

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/mail", nil).status)
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t))
}

func TestSendMailErrors(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodPost, "/v1.0/users/"+DemoLinusPaulingID+"/sendMail", mailBody("a@contoso.example"))
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "MailboxNotEnabledForRESTAPI", r.errCode(t))
	assert.Equal(t, "The mailbox is either inactive, soft-deleted, or is hosted on-premise.", r.errMessage(t))

	r = env.graph(http.MethodPost, "/v1.0/users/ghost@contoso.example/sendMail", mailBody("a@contoso.example"))
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "Request_ResourceNotFound", r.errCode(t))

	noRcpt := mailBody()
	delete(noRcpt["message"].(map[string]any), "ccRecipients")
	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", noRcpt)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "ErrorInvalidRecipients", r.errCode(t))
	assert.Contains(t, r.errMessage(t), "At least one recipient is required")

	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", `{"message":`)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "BadRequest", r.errCode(t))

	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", `{}`)
	require.Equal(t, http.StatusBadRequest, r.status)

	badHeader := mailBody("a@contoso.example")
	badHeader["message"].(map[string]any)["internetMessageHeaders"] = []any{map[string]any{"name": "Subject", "value": "x"}}
	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoSenderID+"/sendMail", badHeader)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "InvalidInternetMessageHeader", r.errCode(t))

	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/mail", nil).arr(t))
}
