// Package vendoremu emulates HR vendors (BambooHR, HiBob) in memory for tests and demos: the REST calls
// internal/hrvendor makes, with the vendor's authentication, and the vendor's webhooks, sent asynchronously in
// its own payload shape and signature scheme and retried on its documented schedule (internal/hrvendor/
// docs/hr-sources.md).
//
// A control API under /_emulator/ creates and changes employees, configures the webhook, lists every delivery
// attempt and sends forged or stale deliveries on demand. The control API has no authentication: an emulator
// is for loopback tests and demos only.
package vendoremu

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// maxDeliveries bounds the delivery log; the oldest entries go first.
const maxDeliveries = 10000

// Kinds of change, as the control API names them.
const (
	KindCreated    = "created"
	KindUpdated    = "updated"
	KindTerminated = "terminated"
	KindDeleted    = "deleted"
)

// Delivery is one webhook delivery attempt.
type Delivery struct {
	DeliveryID string    `json:"delivery_id"`      // one id per delivery (and per repeat), shared by its retries
	EmployeeID string    `json:"employee_id"`      // the vendor's employee id
	Kind       string    `json:"kind"`             // created, updated, terminated or deleted
	Event      string    `json:"event"`            // the vendor's event name
	Attempt    int       `json:"attempt"`          // 1 for the first try
	Status     int       `json:"status"`           // the receiver's HTTP status; 0 when it gave none
	Error      string    `json:"error,omitempty"`  // "no answer" when the request failed or timed out
	Forged     string    `json:"forged,omitempty"` // bad_signature or stale for a delivery sent with /_emulator/send
	Time       time.Time `json:"time"`             // when the attempt was sent
}

// change is one employee change to announce.
type change struct {
	kind       string
	employeeID string
	changed    []string          // changed field names; nil when not an update
	fields     map[string]string // the employee's fields after the change (for payloads that carry data)
	at         time.Time
}

// webhook is the configured receiver.
type webhook struct {
	URL     string
	Secret  string
	Repeat  int
	Delays  []time.Duration
	present bool
}

// flavour is what differs between vendors.
type flavour interface {
	vendor() string
	routes(e *Emulator, mux *http.ServeMux)
	newID(seq int) string
	// events names the vendor events a change raises, in order.
	events(c change) []string
	// body renders an event's payload; stale backdates what the vendor signs, where it signs a time.
	body(event string, c change, stale bool) ([]byte, error)
	// sign sets the signature headers for body, as sent at sentAt.
	sign(h http.Header, body []byte, secret string, sentAt time.Time)
	retryable(status int) bool
	defaultDelays() []time.Duration
}

// Emulator is one in-memory HR vendor. It is safe for concurrent use; Close stops its deliveries.
type Emulator struct {
	fl     flavour
	now    func() time.Time
	log    *slog.Logger
	client *http.Client
	mux    *http.ServeMux

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	mu         sync.Mutex
	employees  map[string]map[string]string
	seq        int
	hook       webhook
	deliveries []Delivery
	queue      []job
	nextDlv    int
}

// common are the options both emulators share.
type common struct {
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

func newEmulator(fl flavour, o common) *Emulator {
	e := &Emulator{fl: fl, now: o.Now, log: o.Logger, client: o.HTTPClient, mux: http.NewServeMux(),
		wake: make(chan struct{}, 1), employees: map[string]map[string]string{}}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.client == nil {
		e.client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.controlRoutes()
	fl.routes(e, e.mux)
	e.wg.Add(1)
	go e.worker()
	return e
}

// ServeHTTP serves the vendor's API and the control API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

// Close stops the delivery worker and any pending retries, and waits for it.
func (e *Emulator) Close() {
	e.cancel()
	e.wg.Wait()
}

// Deliveries returns a copy of the delivery log.
func (e *Emulator) Deliveries() []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Delivery(nil), e.deliveries...)
}

// employee returns a copy of an employee's fields, and whether it exists.
func (e *Emulator) employee(id string) (map[string]string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, ok := e.employees[id]
	if !ok {
		return nil, false
	}
	return copyFields(f), true
}

// allFieldNames lists every field name any employee has, for the metadata endpoints.
func (e *Emulator) allFieldNames() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, f := range e.employees {
		for k := range f {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func copyFields(f map[string]string) map[string]string {
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}
