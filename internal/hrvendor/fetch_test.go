package hrvendor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBambooHRFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, ok := r.BasicAuth()
		if !ok || user != "key-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/api/gateway.php/acme/v1/employees/123/" || r.URL.Query().Get("fields") != "id,hireDate,workEmail" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"id":"123","hireDate":"2026-12-01","workEmail":"a@contoso.example","terminationDate":null}`)
	}))
	defer srv.Close()
	b := NewBambooHR(BambooHRConfig{BaseURL: srv.URL + "/api/gateway.php/", CompanyDomain: "acme", APIKey: "key-1",
		Fields: []string{"id", "hireDate", "workEmail"}})
	rec, err := b.Fetch(context.Background(), "123")
	if err != nil || rec["hireDate"] != "2026-12-01" || rec["workEmail"] != "a@contoso.example" || len(rec) != 3 {
		t.Fatalf("Fetch = %v, %v", rec, err)
	}
	if _, err := b.Fetch(context.Background(), "999"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown employee: %v", err)
	}
	if _, err := b.Fetch(context.Background(), "../meta"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("path injection: %v", err)
	}
	bad := NewBambooHR(BambooHRConfig{BaseURL: srv.URL + "/api/gateway.php", CompanyDomain: "acme", APIKey: "wrong"})
	if _, err := bad.Fetch(context.Background(), "123"); !errors.Is(err, ErrCredentials) {
		t.Fatalf("wrong key: %v", err)
	}
	if err := bad.CheckCredentials(context.Background()); !errors.Is(err, ErrCredentials) {
		t.Fatalf("CheckCredentials with a wrong key: %v", err)
	}
}

func TestFetchClassification(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    error
		after   time.Duration
	}{
		{"404", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, ErrNotFound, 0},
		{"401", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) }, ErrCredentials, 0},
		{"403", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(403) }, ErrCredentials, 0},
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, ErrRetryable, 7 * time.Second},
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, ErrRetryable, 0},
		{"redirect refused", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		}, ErrBadResponse, 0},
		{"400", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) }, ErrBadResponse, 0},
		{"oversized", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"x":"`+strings.Repeat("a", MaxResponseBytes)+`"}`)
		}, ErrBadResponse, 0},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<html>") }, ErrBadResponse, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			for _, a := range []Adapter{
				NewBambooHR(BambooHRConfig{BaseURL: srv.URL, CompanyDomain: "acme", APIKey: "k"}),
				NewHiBob(HiBobConfig{BaseURL: srv.URL, ServiceUserID: "u", Token: "t"}),
			} {
				_, err := a.Fetch(context.Background(), "1")
				if !errors.Is(err, c.want) {
					t.Fatalf("%s: Fetch err = %v, want %v", a.Name(), err, c.want)
				}
				if d, ok := RetryAfter(err); c.after != 0 && (!ok || d != c.after) {
					t.Fatalf("%s: RetryAfter = %v %v, want %v", a.Name(), d, ok, c.after)
				}
			}
		})
	}
}

func TestFetchNetworkFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := NewHiBob(HiBobConfig{BaseURL: url}).Fetch(context.Background(), "1")
	if !errors.Is(err, ErrRetryable) {
		t.Fatalf("closed server: %v", err)
	}
}

func TestHiBobFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "SERVICE-USER" || pass != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/company/people/fields":
			_, _ = io.WriteString(w, `{"fields":[]}`)
		case r.Method == http.MethodPost && r.URL.Path == "/v1/people/3332883854254932743":
			var req struct {
				Fields []string `json:"fields"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Fields) != 2 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_, _ = io.WriteString(w, `{"id":"3332883854254932743","email":"a@contoso.example","work":{"startDate":"2026-12-01"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := NewHiBob(HiBobConfig{BaseURL: srv.URL, ServiceUserID: "SERVICE-USER", Token: "tok", Fields: []string{"root.email", "work.startDate"}})
	rec, err := b.Fetch(context.Background(), "3332883854254932743")
	if err != nil || rec["work.startDate"] != "2026-12-01" || rec["root.email"] != "a@contoso.example" || rec["email"] != "a@contoso.example" {
		t.Fatalf("Fetch = %v, %v", rec, err)
	}
	if err := b.CheckCredentials(context.Background()); err != nil {
		t.Fatalf("CheckCredentials = %v", err)
	}
	bad := NewHiBob(HiBobConfig{BaseURL: srv.URL, ServiceUserID: "SERVICE-USER", Token: "nope"})
	if err := bad.CheckCredentials(context.Background()); !errors.Is(err, ErrCredentials) {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestParseRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}
	if d := parseRetryAfter(h, now); d != 30*time.Second {
		t.Fatalf("date Retry-After = %v", d)
	}
	if d := parseRetryAfter(http.Header{"Retry-After": {"999999"}}, now); d != time.Hour {
		t.Fatalf("capped Retry-After = %v", d)
	}
}
