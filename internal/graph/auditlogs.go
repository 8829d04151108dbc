package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// LogReader reads the tenant's audit and sign-in logs: the tenant watch's one query per interval for everyone.
type LogReader interface {
	// ListMethodAudits lists the Authentication Methods service's directory audit entries with an activity time
	// at or after since (every page), oldest first.
	ListMethodAudits(ctx context.Context, since time.Time) ([]AuditEntry, error)
	// ListSignIns lists the sign-ins created at or after since (every page), oldest first, each saying whether a
	// Temporary Access Pass was used.
	ListSignIns(ctx context.Context, since time.Time) ([]SignIn, error)
}

var _ LogReader = (*SDK)(nil)

// LoggedByAuthenticationMethods is the loggedByService of registrations and passes in the directory audit log.
const LoggedByAuthenticationMethods = "Authentication Methods"

// LoggedTAP is how the logs name a Temporary Access Pass (audit additionalDetails, sign-in authenticationDetails).
const LoggedTAP = "Temporary Access Pass"

// AuditEntry is one directory audit entry, as the watch reads it: what was done, by which app or person, to
// which user, with which method.
type AuditEntry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Activity string    `json:"activity"` // e.g. "User registered security info", "Admin deleted security info"
	Result   string    `json:"result"`   // success, failure, ...
	Detail   string    `json:"detail,omitempty"`
	// Operation is the operationType: Add, Delete, Update.
	Operation string `json:"operation,omitempty"`
	ByAppID   string `json:"by_app_id,omitempty"`  // initiatedBy.app.appId: an application did it
	ByUserID  string `json:"by_user_id,omitempty"` // initiatedBy.user.id: a person did it
	UserID    string `json:"user_id,omitempty"`    // the target user's object id
	// Method is the authentication method named in additionalDetails (e.g. "Temporary Access Pass", "Fido2"),
	// or, failing that, read from the resultReason; "" when neither names one.
	Method string `json:"method,omitempty"`
}

// IsTAP says the entry is about a Temporary Access Pass.
func (a AuditEntry) IsTAP() bool {
	if a.Method != "" {
		return strings.EqualFold(a.Method, LoggedTAP)
	}
	return strings.Contains(strings.ToLower(a.Detail), "temporary access pass")
}

// Registered says a method was added; Deleted that one was removed.
func (a AuditEntry) Registered() bool {
	return strings.Contains(strings.ToLower(a.Activity), "registered")
}

// Deleted says a method was removed.
func (a AuditEntry) Deleted() bool { return strings.Contains(strings.ToLower(a.Activity), "deleted") }

// SignIn is one sign-in, as the watch reads it.
type SignIn struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	UserID    string    `json:"user_id"`
	IPAddress string    `json:"ip_address,omitempty"`
	City      string    `json:"city,omitempty"`
	Country   string    `json:"country,omitempty"`
	ClientApp string    `json:"client_app,omitempty"`
	App       string    `json:"app,omitempty"`
	ErrorCode int       `json:"error_code"`
	// TAP says a Temporary Access Pass was one of the sign-in's methods; TAPSucceeded whether that step passed.
	TAP          bool `json:"tap,omitempty"`
	TAPSucceeded bool `json:"tap_succeeded,omitempty"`
}

// Succeeded says the sign-in as a whole succeeded.
func (s SignIn) Succeeded() bool { return s.ErrorCode == 0 }

// logPage is a page of a log: its entries and the link to the next.
type logPage[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// maxLogPages bounds one read: at Graph's 1,000 entries a page, far more than a minute of any tenant's logs.
const maxLogPages = 200

// readLog sends first and GETs every page its nextLinks name, and returns the entries.
func readLog[T any](ctx context.Context, s *SDK, op string, first *abs.RequestInformation) ([]T, error) {
	var out []T
	ri := first
	for pages := 0; ri != nil; pages++ {
		if pages == maxLogPages {
			return out, &Error{Op: op, Kind: KindTransient, Message: "more than 200 pages in one read"}
		}
		raw, err := s.getPage(ctx, op, ri)
		if err != nil {
			return nil, err
		}
		var page logPage[T]
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, &Error{Op: op, Kind: KindTransient, Err: fmt.Errorf("read the page: %w", err)}
		}
		out = append(out, page.Value...)
		if ri, err = s.nextPage(op, page.NextLink); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pageTries is how often one page is asked for while the reports API throttles: a read longer than its limit
// (about 5 requests per 10 s) waits between pages rather than failing every time.
const pageTries = 8

// getPage GETs one page, waiting out throttling (Retry-After, at most 30 s at a time).
func (s *SDK) getPage(ctx context.Context, op string, ri *abs.RequestInformation) ([]byte, error) {
	ri.Headers.TryAdd("Accept", "application/json")
	for try := 1; ; try++ {
		body, err := s.adapter.SendPrimitive(ctx, ri, "[]byte", abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
		if err == nil {
			raw, _ := body.([]byte)
			return raw, nil
		}
		ge := classify(op, err)
		var e *Error
		if !errors.As(ge, &e) || e.Kind != KindThrottled || try == pageTries {
			return nil, ge
		}
		wait := min(max(e.RetryAfter, time.Second), 30*time.Second)
		select {
		case <-ctx.Done():
			return nil, ge
		case <-time.After(wait):
		}
	}
}

// nextPage is the request for a nextLink, which must stay on the Graph endpoint (the token goes with it); nil
// when there is none.
func (s *SDK) nextPage(op, next string) (*abs.RequestInformation, error) {
	if next == "" {
		return nil, nil
	}
	base, err := url.Parse(s.baseURL)
	u, err2 := url.Parse(next)
	if err != nil || err2 != nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return nil, &Error{Op: op, Kind: KindInvalidRequest, Message: "a nextLink pointed away from the Graph endpoint"}
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	return ri, nil
}

// odataTime is a time in an OData $filter literal.
func odataTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
