package delivery

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// verify checks a Standard Webhooks signature independently of the library: HMAC-SHA256 over
// "{id}.{timestamp}.{body}" with the base64 key after "whsec_".
func verify(t *testing.T, r *http.Request, body []byte) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	require.Contains(t, strings.Fields(r.Header.Get("webhook-signature")), want)
}

func notice() Notice {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return Notice{Kind: KindPass, Channel: "webhook", EmployeeID: "E1001", UserID: "u-1", UserPrincipalName: "ada@contoso.example",
		DisplayName: "Ada Lovelace", Pass: graph.NewPass("+@tLmq&m"), Start: start, Expires: start.Add(8 * time.Hour)}
}

func TestWebhookIsSignedAndCarriesThePass(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verify(t, r, body)
		require.NoError(t, json.Unmarshal(body, &got))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	c := &Courier{WebhookURL: srv.URL, Webhook: wh}
	r, err := c.Deliver(context.Background(), notice())
	require.NoError(t, err)
	require.Equal(t, "webhook", r.Channel)
	require.Equal(t, "+@tLmq&m", got["pass"])
	require.Equal(t, "tapflow.pass", got["type"])
	require.Contains(t, got["text"], "+@tLmq&m")
}

func TestWebhookFailuresKeepThePassOutOfErrors(t *testing.T) {
	status := http.StatusBadRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	wh, _ := standardwebhooks.NewWebhook(secret)
	c := &Courier{WebhookURL: srv.URL, Webhook: wh}
	_, err := c.Deliver(context.Background(), notice())
	require.True(t, errors.Is(err, ErrPermanent), "a 4xx is permanent: %v", err)
	require.NotContains(t, err.Error(), "tLmq")
	status = http.StatusServiceUnavailable
	_, err = c.Deliver(context.Background(), notice())
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrPermanent), "a 5xx may pass")
}

func TestTemplatesRenderWithOverridesAndLanguages(t *testing.T) {
	n := notice()
	msg, err := Templates{}.render(KindPass, "en-GB", (&Courier{}).data(n))
	require.NoError(t, err)
	require.Equal(t, "Temporary Access Pass for Ada Lovelace", msg.Subject)
	require.Contains(t, msg.HTML, "&#43;@tLmq&amp;m", "HTML-escaped, shown as the pass")
	require.Contains(t, msg.Text, "+@tLmq&m")
	require.Contains(t, msg.HTML, "Tue 1 Dec 2026 09:00 UTC")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pass.de.html.tmpl"),
		[]byte(`{{define "subject"}}Zugang für {{.DisplayName}}{{end}}<p>Ihr Pass: {{.Pass}}</p>`), 0o600))
	msg, err = Templates{Dir: dir}.render(KindPass, "de-DE", (&Courier{}).data(n))
	require.NoError(t, err)
	require.Equal(t, "Zugang für Ada Lovelace", msg.Subject)
	msg, err = Templates{Dir: dir}.render(KindPass, "fr-FR", (&Courier{}).data(n))
	require.NoError(t, err)
	require.Equal(t, "Temporary Access Pass for Ada Lovelace", msg.Subject, "no French template: the built-in one")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "reminder.html.tmpl"), []byte(`{{.Nope}}`), 0o600))
	_, err = Templates{Dir: dir}.render(KindReminder, "", (&Courier{}).data(n))
	require.ErrorContains(t, err, "render the reminder HTML template")
}

func TestMailWithoutSenderIsPermanent(t *testing.T) {
	n := notice()
	n.Channel = "manager-mail"
	_, err := (&Courier{}).Deliver(context.Background(), n)
	require.True(t, errors.Is(err, ErrPermanent))
	require.ErrorContains(t, err, "TAPFLOW_SENDER_MAILBOX")
}

func TestWebhookRedirectsAreNotFollowed(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	wh, _ := standardwebhooks.NewWebhook(secret)
	_, err := (&Courier{WebhookURL: redirect.URL + "/hook?token=abc", Webhook: wh}).Deliver(context.Background(), notice())
	require.True(t, errors.Is(err, ErrPermanent))
	require.Zero(t, hits, "the pass was not resent to the redirect target")

	_, err = (&Courier{WebhookURL: "http://127.0.0.1:1/hook?token=abc", Webhook: wh}).Deliver(context.Background(), notice())
	require.Error(t, err)
	require.NotContains(t, err.Error(), "token=abc", "the URL's query stays out of errors")
}

// The language comes from the user's Graph record: it names an override file only once it parses as a BCP 47
// tag, so a crafted preferredLanguage cannot lead out of the override directory.
func TestALanguageThatIsNotATagNamesNoFile(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "overrides")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "pass.x"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(parent, "evil.html.tmpl"), []byte(`{{define "subject"}}EVIL{{end}}EVIL`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pass.en-GB.html.tmpl"), []byte(`{{define "subject"}}GB{{end}}GB`), 0o600))
	tm := Templates{Dir: dir}
	got, err := tm.find("pass", "x/../../evil", "html")
	require.NoError(t, err)
	require.NotContains(t, got, "EVIL", "the built-in template, not a file outside the directory")
	got, err = tm.find("pass", "en-gb", "html")
	require.NoError(t, err)
	require.Contains(t, got, "GB", "a tag in any case names its canonical file")
}
