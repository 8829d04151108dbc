package stack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// exchange is one request the browser made and the answer it got, as they crossed the wire.
type exchange struct {
	Method, URL string
	Request     string // headers and body
	Response    string // status, headers and body
}

// networkLog is a recording proxy in front of the pickup page: the browser is pointed at it, so every request
// it makes to the page's origin (the page, its form posts, a favicon) is recorded with its answer.
type networkLog struct {
	mu        sync.Mutex
	exchanges []exchange
	srv       *httptest.Server
}

// recordNetwork starts a recording proxy for the origin of link and returns the log and the link through it.
func recordNetwork(t *testing.T, link string) (*networkLog, string) {
	t.Helper()
	target, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	origin := &url.URL{Scheme: target.Scheme, Host: target.Host}
	l := &networkLog{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(origin); pr.Out.Host = origin.Host },
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			var head bytes.Buffer
			_ = resp.Header.Write(&head)
			l.add(resp.Request, fmt.Sprintf("%s\n%s\n%s", resp.Status, head.String(), body))
			return err
		},
	}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r = r.WithContext(withRequestText(r, body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(l.srv.Close)
	through := *target
	through.Scheme, through.Host = "http", strings.TrimPrefix(l.srv.URL, "http://")
	return l, through.String()
}

type requestTextKey struct{}

// withRequestText keeps the request's headers and body as the browser sent them, for the log.
func withRequestText(r *http.Request, body []byte) context.Context {
	var head bytes.Buffer
	_ = r.Header.Write(&head)
	return context.WithValue(r.Context(), requestTextKey{}, head.String()+"\n"+string(body))
}

func (l *networkLog) add(r *http.Request, response string) {
	text, _ := r.Context().Value(requestTextKey{}).(string)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exchanges = append(l.exchanges, exchange{Method: r.Method, URL: r.URL.RequestURI(), Request: text, Response: response})
}

// sources is every exchange as a secret scan's sources, named by their order, method and path.
func (l *networkLog) sources() map[string][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]byte{}
	for i, e := range l.exchanges {
		out[fmt.Sprintf("%02d %s %s", i, e.Method, e.URL)] = []byte(e.URL + "\n" + e.Request + "\n" + e.Response)
	}
	return out
}

// len is the number of exchanges recorded.
func (l *networkLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.exchanges)
}
