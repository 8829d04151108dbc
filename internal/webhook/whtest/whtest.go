// Package whtest signs HR webhook requests for tests with its own implementation of the Standard Webhooks
// scheme, so the tests do not trust the library the receiver uses.
package whtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sign returns the webhook-signature value: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
func Sign(secret, id string, ts int64, body string) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Request builds a signed JSON POST with a fresh webhook-id and the current timestamp.
func Request(url, secret, body string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	id, ts := fmt.Sprintf("msg_%d", time.Now().UnixNano()), time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(ts))
	req.Header.Set("webhook-signature", Sign(secret, id, ts, body))
	return req, nil
}
