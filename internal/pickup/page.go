package pickup

import (
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
)

//go:embed templates/page.html.tmpl
var pages embed.FS

var page = template.Must(template.ParseFS(pages, "templates/page.html.tmpl"))

// The states of an invitation, as the journey reports them.
const (
	StateOpen     = "open"     // the link may be used
	StateRevealed = "revealed" // the pass was revealed: never again
	StateExpired  = "expired"  // the link's time is up
	StateClosed   = "closed"   // the journey ended or killed the link (termination, rescind, registration, reissue)
	StateLocked   = "locked"   // too many wrong codes
)

// Invitation is what the page may know of a link: never the pass, never an address.
type Invitation struct {
	State        string    `json:"state"`
	DisplayName  string    `json:"display_name,omitempty"`
	Expires      time.Time `json:"expires"`
	NeedsCode    bool      `json:"needs_code,omitempty"`
	AttemptsLeft int       `json:"attempts_left,omitempty"`
	Language     string    `json:"language,omitempty"` // the hire's preferred language, for the page's words
}

// RevealRequest is a reveal as the page sends it to the journey: the link's hash, the typed code's digest under
// the pickup key (never the token or the code: update arguments stay in the history), and the client's address
// for the journey's record. Knowing the hash is not enough to see a pass: the pass goes only to the response
// waiting in the page's process.
type RevealRequest struct {
	Hash       string `json:"hash"`
	CodeDigest string `json:"code_digest,omitempty"`
	From       string `json:"from,omitempty"`
}

// Revealed is a reveal's answer. The pass is here only in memory, for the one response that shows it.
type Revealed struct {
	Pass       graph.Pass
	Account    string // the account's userPrincipalName
	Expires    time.Time
	UsableOnce bool
	Refused    string // "" when revealed; else a state, or ReasonWrongCode
	Invitation Invitation
}

// ReasonWrongCode answers a reveal whose code was wrong (the invitation says how many tries are left).
const ReasonWrongCode = "wrong_code"

// Journeys is what the page asks of an employee's journey.
type Journeys interface {
	// Lookup reads the invitation the token's hash belongs to; it changes nothing.
	Lookup(ctx context.Context, employeeID, hash string) (Invitation, error)
	// Opened records, best effort, that the link was fetched n times since the last record.
	Opened(ctx context.Context, employeeID, hash string, n int)
	// Reveal creates the pass if the request passes the journey's checks.
	Reveal(ctx context.Context, employeeID string, r RevealRequest) (Revealed, error)
}

// Handler serves GET, HEAD and POST /p/{token}.
type Handler struct {
	Journeys Journeys
	Location *time.Location // how times are shown; nil = UTC
	Log      *slog.Logger
	// TrustForwarded reads X-Forwarded-For and X-Forwarded-Proto: set it only behind a proxy that sets them.
	TrustForwarded bool
	// PublicURL is the page's public origin (TAPFLOW_PUBLIC_URL): when it is https, cookies are Secure and HSTS
	// is sent whatever the proxy in front says.
	PublicURL string
	// Key turns typed codes into the digests the journey compares (the workers' TAPFLOW_PICKUP_KEY).
	Key Key
	// Templates is the mail templates' override directory: page.<lang>.html.tmpl there speaks the hire's language.
	Templates delivery.Templates

	opens openCounter
}

// Register adds the pickup routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /p/{token}", h.secured(h.show)) // GET patterns serve HEAD too
	mux.HandleFunc("POST /p/{token}", h.secured(h.reveal))
	mux.HandleFunc("/p/", h.secured(h.other)) // anything else under /p/ gets the same page and headers
}

// secured adds HSTS when the page is reached over TLS: a link is a secret until used.
func (h *Handler) secured(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.secure(r) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		next(w, r)
	}
}

// other answers any other method or path under /p/: not a link.
func (h *Handler) other(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Key.EmployeeOf(strings.TrimPrefix(r.URL.Path, "/p/")); ok {
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.render(w, http.StatusMethodNotAllowed, view{State: StateClosed})
		return
	}
	h.render(w, http.StatusNotFound, view{State: StateClosed})
}

// csrfCookie holds the double-submit token: set with the page, sent back with the form.
const csrfCookie = "tapflow_pickup"

// show renders the invitation. It issues nothing and consumes nothing, however often it is fetched.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	employee, hash, ok := h.target(r)
	if !ok {
		h.render(w, http.StatusNotFound, view{State: StateClosed})
		return
	}
	inv, err := h.Journeys.Lookup(r.Context(), employee, hash)
	if err != nil {
		h.log().Info("pickup lookup failed", "employee_id", employee, "error", err)
		h.render(w, http.StatusNotFound, view{State: StateClosed})
		return
	}
	if inv.State != StateOpen {
		h.render(w, http.StatusOK, view{State: inv.State, Lang: inv.Language})
		return
	}
	if n := h.opens.add(hash, time.Now()); n > 0 {
		h.Journeys.Opened(r.Context(), employee, hash, n)
	}
	csrf := randomString()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: "/p/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: h.secure(r), MaxAge: 3600})
	h.render(w, http.StatusOK, h.openView(inv, csrf, ""))
}

// reveal acts on the form: a matching CSRF token, an open link, a code of the right shape, then the journey's
// checks; the pass is shown once.
func (h *Handler) reveal(w http.ResponseWriter, r *http.Request) {
	employee, hash, ok := h.target(r)
	if !ok {
		h.render(w, http.StatusNotFound, view{State: StateClosed})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	c, cookieErr := r.Cookie(csrfCookie)
	if err := r.ParseForm(); err != nil || cookieErr != nil || c.Value == "" ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		h.render(w, http.StatusForbidden, view{State: "forbidden"})
		return
	}
	inv, err := h.Journeys.Lookup(r.Context(), employee, hash)
	switch {
	case err != nil:
		h.render(w, http.StatusNotFound, view{State: StateClosed})
		return
	case inv.State == StateRevealed:
		h.log().Warn("audit pickup.reveal_again", "audit", true, "action", "pickup.reveal_again", "employee_id", employee,
			"reason", "suspicious")
		h.render(w, http.StatusOK, view{State: StateRevealed})
		return
	case inv.State != StateOpen:
		h.render(w, http.StatusOK, view{State: inv.State})
		return
	}
	req := RevealRequest{Hash: hash, From: h.clientAddr(r)}
	if inv.NeedsCode {
		code := strings.TrimSpace(r.PostFormValue("code"))
		if !WellFormedCode(code) {
			h.render(w, http.StatusOK, h.openView(inv, c.Value, "The code has six digits."))
			return
		}
		req.CodeDigest = h.Key.CodeDigest(hash, code)
	}
	// The hire's browser may go away; the reveal does not stop half-way (its own timeout bounds it).
	res, err := h.Journeys.Reveal(context.WithoutCancel(r.Context()), employee, req)
	switch {
	case err != nil:
		h.log().Warn("pickup reveal failed", "employee_id", employee, "error", err)
		h.render(w, http.StatusServiceUnavailable, view{State: "unavailable"})
	case res.Refused == ReasonWrongCode:
		h.render(w, http.StatusOK, h.openView(res.Invitation, c.Value, "That code is not right."))
	case res.Refused != "":
		h.render(w, http.StatusOK, view{State: res.Refused})
	default:
		h.render(w, http.StatusOK, view{State: "revealed-now", Pass: res.Pass.Reveal(), Account: res.Account,
			Expires: h.when(res.Expires), UsableOnce: res.UsableOnce})
	}
}
