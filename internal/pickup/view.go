package pickup

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// view is what the page template sees.
type view struct {
	State, Title, Message             string
	DisplayName, Expires, CSRF, Nonce string
	NeedsCode                         bool
	AttemptsLeft                      int
	Error                             string
	Pass, Account                     string
	UsableOnce                        bool
	Lang                              string // the hire's language: an override template may speak it
}

// messages are the page's words for each state other than open.
func messages() map[string][2]string {
	return map[string][2]string{
		StateRevealed:  {"Already revealed", "This pass was already revealed. It is not shown again. If that was not you, tell your manager or the helpdesk now."},
		StateExpired:   {"This link has expired", "Ask your manager or the helpdesk for a new one."},
		StateClosed:    {"This link is not valid", "It may have been replaced by a newer one. Ask your manager or the helpdesk for a new one."},
		StateLocked:    {"This link is locked", "Too many wrong codes were entered. Ask your manager or the helpdesk for a new link."},
		"forbidden":    {"Please try again", "Open the link again and press the button on that page."},
		"unavailable":  {"Please try again shortly", "The pass could not be shown just now. Try again in a minute; if it still fails, ask your manager or the helpdesk for a new link."},
		"revealing":    {"Your pass is being created", "Reload this page in a moment."},
		"revealed-now": {"Your Temporary Access Pass", ""},
	}
}

// openView is the page of an open invitation.
func (h *Handler) openView(inv Invitation, csrf, problem string) view {
	name := inv.DisplayName
	if name == "" {
		name = "you"
	}
	return view{State: StateOpen, Title: "Your Temporary Access Pass", DisplayName: name, Expires: h.when(inv.Expires),
		CSRF: csrf, NeedsCode: inv.NeedsCode, AttemptsLeft: inv.AttemptsLeft, Error: problem, Lang: inv.Language}
}

// render writes the page with headers that keep it out of caches, frames and referrers, and let it load
// nothing but its own inline style.
func (h *Handler) render(w http.ResponseWriter, status int, v view) {
	if m, ok := messages()[v.State]; ok && v.Title == "" {
		v.Title, v.Message = m[0], m[1]
	}
	v.Nonce = randomString()
	tmpl := page
	if src, ok := h.Templates.Override("page", v.Lang, "html"); ok {
		if t, err := template.New("page").Parse(src); err == nil {
			tmpl = t
		} else {
			h.log().Error("the pickup page override does not parse", "error", err)
		}
	}
	var body bytes.Buffer
	if err := tmpl.Execute(&body, v); err != nil {
		h.log().Error("pickup page did not render", "error", err)
		status = http.StatusInternalServerError
		body.Reset()
		body.WriteString("tapflow could not show this page.")
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+v.Nonce+"'; form-action 'self'; "+
		"frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// target is the token's employee and hash, or ok false for anything that is not a token.
func (h *Handler) target(r *http.Request) (employee, hash string, ok bool) {
	token := r.PathValue("token")
	employee, ok = h.Key.EmployeeOf(token)
	if !ok {
		return "", "", false
	}
	return employee, Hash(token), true
}

// when formats a time for the page.
func (h *Handler) when(t time.Time) string {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// randomString is 128 random bits, base64url.
func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientAddr is the client's address: the connection's, or, behind a proxy the handler trusts, the address that
// proxy saw (anyone can send the header, so it is read only when told to).
func (h *Handler) clientAddr(r *http.Request) string {
	if f := r.Header.Get("X-Forwarded-For"); f != "" && h.TrustForwarded {
		// The proxy appends the address it saw: the last entry is the one a client cannot forge.
		hops := strings.Split(f, ",")
		if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
			return ip.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}

// secure says the page was reached over TLS, directly or through a trusted proxy that says so.
func (h *Handler) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(h.PublicURL), "https://") || (h.TrustForwarded && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}
