// Package hrvendor adapts HR systems' own webhooks and REST APIs (BambooHR, HiBob) to tapflow's HR event
// contract (docs/events.md): it verifies a delivery's signature, parses the vendor's payload into Notices,
// fetches an employee's record when the payload carries none, and normalises a notice and its record into
// hrevent.Events with deterministic ids, following a per-vendor field Mapping.
//
// It holds no server and no Temporal code. Errors and logs never carry header values, body content or personal
// data: a problem names the field or mapping key, never the value. docs/hr-sources.md lists what each vendor documents
// and what is assumed.
package hrvendor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Vendor names, as Notice.Vendor and Adapter.Name give them and as the mapping file's top-level keys.
const (
	VendorBambooHR = "bamboohr"
	VendorHiBob    = "hibob"
)

// Notice kinds: what happened to the employee, normalised from the vendor's own event names.
const (
	KindCreated    = "created"
	KindUpdated    = "updated"
	KindTerminated = "terminated"
	KindDeleted    = "deleted"
)

// Notice is one employee change announced by a vendor's webhook delivery.
type Notice struct {
	Vendor     string    // VendorBambooHR or VendorHiBob
	DeliveryID string    // the delivery's id, or one derived from the body where the vendor sends none
	EmployeeID string    // the vendor's employee id
	Kind       string    // KindCreated, KindUpdated, KindTerminated or KindDeleted
	OccurredAt time.Time // when the vendor says the change happened; zero when it does not say
	// ChangedFields names the fields the vendor says changed (BambooHR changedFields, HiBob fieldUpdates), in the
	// vendor's naming; nil when the payload does not say.
	ChangedFields []string
	Record        Record // the employee's fields when the payload carries them; nil for a dataless delivery
}

// Record is an employee's fields by the vendor's field name. Nested JSON is flattened with dots
// ("work.startDate"), array elements by index ("emails.0"); numbers and booleans are kept as their JSON text.
type Record map[string]string

// Adapter is one HR vendor: its webhook signature scheme, its payload shape and its REST API.
type Adapter interface {
	// Name is the vendor's name, VendorBambooHR or VendorHiBob.
	Name() string
	// Verify checks a delivery's signature (and freshness, where the vendor allows) over the raw body, in
	// constant time. It returns nil, or an error matching ErrBadSignature or ErrStale.
	Verify(h http.Header, body []byte, now time.Time) error
	// Parse reads a verified delivery's body into notices; a body with nothing about employees (a connection
	// test, another event family) gives none and no error.
	Parse(body []byte, now time.Time) ([]Notice, error)
	// Fetch reads one employee's record. Errors match ErrNotFound, ErrCredentials, ErrRetryable or
	// ErrBadResponse.
	Fetch(ctx context.Context, employeeID string) (Record, error)
	// CheckCredentials makes one cheap authenticated call, for a health check.
	CheckCredentials(ctx context.Context) error
}

// Errors the adapters return; match them with errors.Is.
var (
	// ErrBadSignature: the signature is missing, malformed or made with none of the configured secrets.
	ErrBadSignature = errors.New("hrvendor: webhook signature missing or invalid")
	// ErrStale: the delivery's timestamp is missing, unreadable or outside the replay window.
	ErrStale = errors.New("hrvendor: webhook timestamp outside the replay window")
	// ErrNotFound: the vendor has no such employee (or no longer has it); retrying will not help.
	ErrNotFound = errors.New("hrvendor: employee not found")
	// ErrCredentials: the vendor refused the credentials or their permissions; retrying will not help.
	ErrCredentials = errors.New("hrvendor: credentials refused")
	// ErrRetryable: a rate limit, a server error or a network failure; try again later (see RetryAfter).
	ErrRetryable = errors.New("hrvendor: temporary failure")
	// ErrBadResponse: the vendor answered something unusable (a redirect, an unexpected status, an oversized
	// or malformed body); retrying is unlikely to help.
	ErrBadResponse = errors.New("hrvendor: unusable response")
	// ErrPayload: a delivery body is not the vendor's documented shape.
	ErrPayload = errors.New("hrvendor: unreadable webhook payload")
)

// RetryableError is a temporary failure of a vendor call: errors.Is(err, ErrRetryable) holds.
type RetryableError struct {
	Status     int           // the HTTP status; 0 for a network failure
	RetryAfter time.Duration // the vendor's Retry-After, 0 when it gave none
	Err        error         // the underlying error, if any
}

// Error describes the failure without any response content.
func (e *RetryableError) Error() string {
	msg := "hrvendor: temporary failure"
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrRetryable) true.
func (e *RetryableError) Is(target error) bool { return target == ErrRetryable }

// RetryAfter returns the delay a retryable error asks for, and whether it asked for one.
func RetryAfter(err error) (time.Duration, bool) {
	var re *RetryableError
	if errors.As(err, &re) && re.RetryAfter > 0 {
		return re.RetryAfter, true
	}
	return 0, false
}

// FlattenJSON flattens a decoded JSON value into a Record: object keys joined with dots, array elements by
// index, null values left out. prefix is prepended to every key (empty for none).
func FlattenJSON(v any, prefix string, out Record) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			FlattenJSON(x[k], join(prefix, k), out)
		}
	case []any:
		for i, e := range x {
			FlattenJSON(e, join(prefix, strconv.Itoa(i)), out)
		}
	case nil:
	case string:
		out[prefix] = x
	case json.Number:
		out[prefix] = x.String()
	case bool:
		out[prefix] = strconv.FormatBool(x)
	case float64:
		out[prefix] = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// errTrailingData: a JSON body has more after its first value than white space.
var errTrailingData = errors.New("data after the JSON value")

// decodeJSON decodes body as exactly one JSON value, keeping numbers as json.Number (ids stay exact). Anything
// but white space after the value is an error, so that Verify and Parse read a body the same way.
func decodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}

// bodyDigest is 16 hex characters of the SHA-256 of b: a delivery id for vendors that send none.
func bodyDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
