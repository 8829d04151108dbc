package testkit

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Do sends a request with c (a form when form is not nil, JSON when body is not empty) and returns the
// response, whose body has been read and closed, and the body. A transport error fails the test.
func Do(t testing.TB, c *http.Client, method, target string, form url.Values, body string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	switch {
	case form != nil:
		r = strings.NewReader(form.Encode())
	case body != "":
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	switch {
	case form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, target, err)
	}
	return resp, string(b)
}
