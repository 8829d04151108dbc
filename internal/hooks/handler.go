package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/internal/metrics"
)

// MaxBody is the largest delivery accepted.
const MaxBody = 1 << 20

// MaxNotices is the most employee notices one delivery may hand in (after duplicates within it are merged); a
// delivery naming more is refused with 413 too_many_notices.
const MaxNotices = 500

// StartDeadline bounds handing one delivery's notices to Temporal: past it the delivery is answered 503 with
// Retry-After, and the notices already handed in answer duplicate when the vendor sends it again.
const StartDeadline = 8 * time.Second

// RefusalAuditInterval is the least time between two source.refused audit (and warning log) lines of one vendor
// and reason: unsigned requests cannot flood the audit log. The metric counts every refusal.
const RefusalAuditInterval = 10 * time.Second

// Reason codes of a refused delivery: the response's error code, the audit line's and the log line's reason.
const (
	ReasonBadSignature = "invalid_signature" // missing, malformed or made with no configured secret
	ReasonStale        = "stale_signature"   // a timestamp outside the vendor's replay window
	ReasonBadPayload   = "invalid_payload"   // not the vendor's documented payload
	ReasonTooMany      = "too_many_notices"  // more than MaxNotices employees in one delivery
)

// Starter hands one verified notice to Temporal (StartNotice, bound to a client); duplicate when the same
// delivery about the same employee was handed in before.
type Starter func(ctx context.Context, n hrvendor.Notice) (duplicate bool, err error)

// DeliveryRecorder counts deliveries by vendor and result (metrics.Metrics is the real one).
type DeliveryRecorder interface {
	SourceDelivery(source, result string)
}

// Handler receives the vendors' webhooks: POST /v1/hooks/{vendor}.
type Handler struct {
	vendors map[string]hrvendor.Adapter
	start   Starter
	log     *slog.Logger
	audit   audit.Recorder
	metrics DeliveryRecorder
	now     func() time.Time

	maxNotices    int           // MaxNotices
	startDeadline time.Duration // StartDeadline
	refusals      *limiter      // one refusal line per vendor and reason per RefusalAuditInterval
}

// NewHandler serves the given vendors; log, rec and m may be nil.
func NewHandler(vendors []hrvendor.Adapter, start Starter, log *slog.Logger, rec audit.Recorder, m DeliveryRecorder) *Handler {
	h := &Handler{vendors: map[string]hrvendor.Adapter{}, start: start, log: log, audit: rec, metrics: m, now: time.Now,
		maxNotices: MaxNotices, startDeadline: StartDeadline, refusals: newLimiter(RefusalAuditInterval)}
	for _, v := range vendors {
		h.vendors[v.Name()] = v
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// Register mounts POST /v1/hooks/{vendor} on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/hooks/{vendor}", h.serve)
}

// reply is a delivery's answer.
type reply struct {
	Status     string `json:"status,omitempty"`
	Notices    int    `json:"notices,omitempty"`
	Duplicates int    `json:"duplicates,omitempty"`
	Error      *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("vendor")
	v, ok := h.vendors[name]
	if !ok {
		// An unconfigured vendor is not named back: the path is the sender's input.
		write(w, http.StatusNotFound, failure("unknown_source", "no HR source is configured at this path"))
		return
	}
	status, result := h.handle(r.Context(), w, r, v)
	if h.metrics != nil {
		h.metrics.SourceDelivery(name, result)
	}
	h.log.Info("hr source delivery", "source", name, "status", status, "result", result, "duration_ms", time.Since(start).Milliseconds())
}

// handle answers one delivery and returns its status and its result for the metrics.
func (h *Handler) handle(ctx context.Context, w http.ResponseWriter, r *http.Request, v hrvendor.Adapter) (int, string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return write(w, http.StatusUnsupportedMediaType, failure("unsupported_media_type", "send the delivery as application/json")), metrics.DeliveryInvalid
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return write(w, http.StatusRequestEntityTooLarge, failure("body_too_large", "the body is over 1 MiB")), metrics.DeliveryInvalid
		}
		return write(w, http.StatusBadRequest, failure(ReasonBadPayload, "the body could not be read")), metrics.DeliveryInvalid
	}
	if err := v.Verify(r.Header, body, h.now()); err != nil {
		reason, result := ReasonBadSignature, metrics.DeliveryBadSignature
		if errors.Is(err, hrvendor.ErrStale) {
			reason, result = ReasonStale, metrics.DeliveryStale
		}
		h.refused(ctx, v.Name(), reason)
		return write(w, http.StatusUnauthorized, failure(reason, "the delivery's signature or timestamp does not verify with "+
			"the configured secret (docs/hr-sources.md)")), result
	}
	notices, err := v.Parse(body, h.now())
	if err != nil {
		h.refused(ctx, v.Name(), ReasonBadPayload)
		return write(w, http.StatusBadRequest, failure(ReasonBadPayload, "the body is not the vendor's webhook payload")), metrics.DeliveryInvalid
	}
	notices = dedupe(notices)
	if len(notices) > h.maxNotices {
		h.refused(ctx, v.Name(), ReasonTooMany)
		return write(w, http.StatusRequestEntityTooLarge, failure(ReasonTooMany, fmt.Sprintf("the delivery names more than %d "+
			"employees; send fewer per delivery", h.maxNotices))), metrics.DeliveryInvalid
	}
	return h.startAll(ctx, w, notices)
}

// dedupe keeps one notice per employee and kind, in the place of the first: the last one the delivery names
// (its record is the latest), with the changed fields of all of them (nil only when none says what changed).
func dedupe(notices []hrvendor.Notice) []hrvendor.Notice {
	type key struct{ employee, kind string }
	at := make(map[key]int, len(notices))
	out := make([]hrvendor.Notice, 0, len(notices))
	for _, n := range notices {
		k := key{n.EmployeeID, n.Kind}
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, n)
			continue
		}
		if prev := out[i].ChangedFields; prev != nil {
			merged := append(append([]string{}, prev...), n.ChangedFields...)
			slices.Sort(merged)
			n.ChangedFields = slices.Compact(merged)
		}
		out[i] = n
	}
	return out
}

// startAll hands every notice to Temporal within startDeadline; 202 once all are in, 200 when all were in
// before, 503 when Temporal did not take one in time (the vendor sends the delivery again, and those already in
// answer duplicate).
func (h *Handler) startAll(ctx context.Context, w http.ResponseWriter, notices []hrvendor.Notice) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, h.startDeadline)
	defer cancel()
	res := reply{Status: "accepted", Notices: len(notices)}
	for _, n := range notices {
		err := ctx.Err()
		dup := false
		if err == nil {
			dup, err = h.start(ctx, n)
		}
		if err != nil {
			h.log.Warn("an hr source delivery could not be handed to Temporal in time; the vendor will send it again",
				"source", n.Vendor, "error", err)
			w.Header().Set("Retry-After", "30")
			return write(w, http.StatusServiceUnavailable, failure("temporal_unavailable", "try again later")), metrics.DeliveryUnavailable
		}
		if dup {
			res.Duplicates++
		}
	}
	switch {
	case len(notices) == 0:
		res.Status = "ignored" // a connection test, or an event about no employee
		return write(w, http.StatusOK, res), metrics.DeliveryAccepted
	case res.Duplicates == len(notices):
		res.Status = "duplicate"
		return write(w, http.StatusOK, res), metrics.DeliveryDuplicate
	}
	return write(w, http.StatusAccepted, res), metrics.DeliveryAccepted
}

// refused writes the warning and the audit line of a refused delivery, at most one per vendor and reason per
// RefusalAuditInterval; the next one written says how many were suppressed since.
func (h *Handler) refused(ctx context.Context, vendor, reason string) {
	due, suppressed := h.refusals.allow(vendor+"\x00"+reason, h.now())
	if !due {
		return
	}
	line := vendor + ": " + reason
	if suppressed > 0 {
		line += fmt.Sprintf(" (+%d suppressed)", suppressed)
	}
	h.log.Warn("hr source delivery refused", "source", vendor, "reason", reason, "suppressed", suppressed)
	if h.audit != nil {
		h.audit.Record(ctx, audit.Entry{Action: "source.refused", Reason: line})
	}
}

// limiter lets one line per key through per interval and counts those it holds back. Its keys are vendor and
// reason pairs: configured vendors and fixed reason codes only, so it stays small.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	last     map[string]limited
}

type limited struct {
	at         time.Time // when the last line was let through
	suppressed int       // lines held back since
}

func newLimiter(interval time.Duration) *limiter {
	return &limiter{interval: interval, last: map[string]limited{}}
}

// allow reports whether key's line is due at now and, when it is, how many were held back since the last one.
func (l *limiter) allow(key string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, seen := l.last[key]
	if seen && now.Sub(s.at) < l.interval {
		s.suppressed++
		l.last[key] = s
		return false, 0
	}
	l.last[key] = limited{at: now}
	return true, s.suppressed
}

func failure(code, message string) reply {
	var r reply
	r.Error = &struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message}
	return r
}

func write(w http.ResponseWriter, status int, body reply) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
	return status
}
