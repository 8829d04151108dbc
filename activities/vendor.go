package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/internal/metrics"
)

// Error types of a vendor notice, for the VendorNotice workflow's retry policy.
const (
	ErrVendorNotFound    = "VendorEmployeeNotFound" // the vendor has no such employee: nothing to act on
	ErrVendorRecord      = "VendorRecordUnmapped"   // the record lacks what the mapping needs: HR's next change brings it
	ErrVendorUnavailable = "VendorUnavailable"      // rate limit, server error, network: tried again
	ErrVendorCredentials = "VendorCredentials"      // the vendor refused the credentials: tried again until fixed
	ErrVendorUnknown     = "VendorNotConfigured"    // no adapter for the notice's vendor on this worker
)

// Vendors handles the HR vendors' notices: it fetches the record a dataless delivery names, normalises it with
// the mapping, and hands the events to the intake.
type Vendors struct {
	Adapters map[string]hrvendor.Adapter
	Mapping  hrvendor.Mapping
	Submit   batch.Submitter
	Audit    audit.Recorder
	Metrics  SourceMetrics // nil: nothing is counted
}

// NoticeRequest is one employee a vendor's delivery named.
type NoticeRequest struct {
	Notice hrvendor.Notice `json:"notice"`
}

// NoticeResult is what the notice became: events by the intake's answer.
type NoticeResult struct {
	Outcomes map[string]int `json:"outcomes,omitempty"`
	Fetched  bool           `json:"fetched,omitempty"`
}

// HandleNotice fetches (when the delivery carried no record), normalises and submits one notice. Events already
// in answer duplicate, so a retry is harmless.
func (v *Vendors) HandleNotice(ctx context.Context, req NoticeRequest) (NoticeResult, error) {
	n := req.Notice
	a, ok := v.Adapters[n.Vendor]
	m, mapped := v.Mapping.For(n.Vendor)
	if !ok || !mapped {
		return NoticeResult{}, temporal.NewApplicationError("no adapter or mapping for the notice's vendor on this worker", ErrVendorUnknown)
	}
	res := NoticeResult{Outcomes: map[string]int{}}
	rec := n.Record
	if rec == nil {
		var err error
		if rec, err = a.Fetch(ctx, n.EmployeeID); err != nil {
			if errors.Is(err, hrvendor.ErrNotFound) && n.Kind == hrvendor.KindDeleted {
				// Deleted in HR: a joiner not yet started is rescinded when the vendor's id is the employee id.
				return v.submitAll(ctx, n.Vendor, hrvendor.DeletedWithoutRecord(n, m, time.Now()), res)
			}
			return res, v.fetchFailure(ctx, n, err)
		}
		res.Fetched = true
	}
	events, err := hrvendor.Normalise(n, rec, m, time.Now())
	var serr error
	if res, serr = v.submitAll(ctx, n.Vendor, events, res); serr != nil {
		return res, serr
	}
	if err != nil {
		// What the record could not give (a hire without its UPN, say) is left out; what it gave is in.
		v.skipped(ctx, n.Vendor, "unmapped_record")
		if len(events) == 0 {
			return res, temporal.NewNonRetryableApplicationError("the record does not give what the mapping needs: "+err.Error(), ErrVendorRecord, nil)
		}
		logger(ctx).Warn("part of an HR vendor record could not be mapped", "source", n.Vendor, "error", err)
	}
	return res, nil
}

// submitAll hands the events to the intake and counts them by outcome.
func (v *Vendors) submitAll(ctx context.Context, vendor string, events []hrevent.Event, res NoticeResult) (NoticeResult, error) {
	for _, e := range events {
		outcome, err := submitFromSource(ctx, vendor, v.Submit, e, v.Audit, v.Metrics)
		if err != nil {
			return res, err
		}
		res.Outcomes[outcome]++
	}
	return res, nil
}

// fetchFailure classifies a failed fetch for the retry policy.
func (v *Vendors) fetchFailure(ctx context.Context, n hrvendor.Notice, err error) error {
	switch {
	case errors.Is(err, hrvendor.ErrNotFound):
		v.skipped(ctx, n.Vendor, "employee_not_found")
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrVendorNotFound, nil)
	case errors.Is(err, hrvendor.ErrCredentials):
		return temporal.NewApplicationError(err.Error(), ErrVendorCredentials)
	}
	delay, _ := hrvendor.RetryAfter(err)
	return temporal.NewApplicationErrorWithOptions(err.Error(), ErrVendorUnavailable, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}

func (v *Vendors) skipped(ctx context.Context, vendor, reason string) {
	if v.Metrics != nil {
		v.Metrics.SourceSkipped(vendor, reason)
	}
	if v.Audit != nil {
		v.Audit.Record(ctx, audit.Entry{Action: "source.skipped", Reason: vendor + ": " + reason})
	}
}

// submitFromSource hands one event from an HR source to the intake, counts its outcome and audits an accepted
// one. An event the contract refuses is counted as invalid; Temporal not taking it is an error.
func submitFromSource(ctx context.Context, source string, submit batch.Submitter, e hrevent.Event, rec audit.Recorder, m SourceMetrics) (string, error) {
	r, err := submit(ctx, e)
	outcome := r.Status
	switch {
	case err != nil && errors.As(err, new(hrevent.Problems)):
		outcome = metrics.SourceInvalid
		logger(ctx).Warn("an HR source made an event the contract refuses", "source", source, "event_id", e.ID, "error", err)
	case err != nil:
		if m != nil {
			m.SourceEvent(source, metrics.SourceFailed, time.Now())
		}
		return "", fmt.Errorf("hand event %s to the intake: %w", e.ID, err)
	}
	if m != nil {
		m.SourceEvent(source, outcome, time.Now())
	}
	if outcome == hrevent.StatusAccepted && rec != nil {
		rec.Record(ctx, audit.Entry{Action: "source.event", EmployeeID: e.Employee.EmployeeID, Reason: source + " " + string(e.Type) + " " + e.ID})
	}
	return outcome, nil
}
