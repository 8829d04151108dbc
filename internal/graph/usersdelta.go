package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// DirectoryReader follows the users delta query: the directory source's one read per interval for every user
// (https://learn.microsoft.com/graph/api/user-delta).
type DirectoryReader interface {
	// UsersDelta reads one round of the users delta query and calls visit for each user in it. link is the
	// deltaLink of the round before; "" starts afresh with $select of sel. With minimal, Graph sends only the
	// properties that changed since link (Prefer: return=minimal). It returns the round's new deltaLink. A link
	// Graph no longer knows gives an error for which IsDeltaExpired is true: start afresh. After each page but
	// the last, next (when not nil) is given the page's nextLink: a round cut short resumes from it.
	UsersDelta(ctx context.Context, link string, sel []string, minimal bool, visit func(DirectoryUser) error,
		next func(nextLink string)) (string, error)
	// GetDirectoryUser reads the given properties of one user.
	GetDirectoryUser(ctx context.Context, id string, sel []string) (DirectoryUser, error)
}

var _ DirectoryReader = (*SDK)(nil)

// DirectoryUser is a user as the delta query gives it: its id, whether it was removed, and the properties the
// response carried (with return=minimal, exactly those that changed; a property cleared is present as null).
type DirectoryUser struct {
	ID      string
	Removed string // "" or the @removed reason: "changed" (restorable) or "deleted"
	Props   map[string]json.RawMessage
}

// Has says the response carried the property.
func (u DirectoryUser) Has(name string) bool {
	_, ok := u.Props[name]
	return ok
}

// String is a string property; "" when absent, null or not a string.
func (u DirectoryUser) String(name string) string {
	var s string
	if raw, ok := u.Props[name]; ok {
		_ = json.Unmarshal(raw, &s) // a null or another type leaves ""
	}
	return s
}

// Bool is a boolean property and whether it was present as a boolean.
func (u DirectoryUser) Bool(name string) (v, ok bool) {
	raw, present := u.Props[name]
	if !present {
		return false, false
	}
	return v, json.Unmarshal(raw, &v) == nil && string(raw) != "null"
}

// maxDeltaPages bounds one round: at 1,000 users a page (Graph's page size for users delta is up to 999), a
// directory of 500,000 users.
const maxDeltaPages = 500

// deltaPage is one page of the users delta query.
type deltaPage struct {
	Value []map[string]json.RawMessage `json:"value"`
}

// deltaLinks are a delta page's links: the next page of the round, or, on its last page, the next round's.
type deltaLinks struct {
	NextLink  string `json:"@odata.nextLink"`
	DeltaLink string `json:"@odata.deltaLink"`
}

// UsersDelta implements DirectoryReader on GET /users/delta.
func (s *SDK) UsersDelta(ctx context.Context, link string, sel []string, minimal bool, visit func(DirectoryUser) error,
	next func(nextLink string)) (string, error) {
	ri, err := s.firstDeltaPage(link, sel)
	if err != nil {
		return "", err
	}
	prefer := ""
	if minimal {
		prefer = "return=minimal"
	}
	return s.readDeltaRound(ctx, "UsersDelta", ri, prefer, func(raw []byte) error {
		var page deltaPage
		if err := json.Unmarshal(raw, &page); err != nil {
			return &Error{Op: "UsersDelta", Kind: KindTransient, Err: fmt.Errorf("read the page: %w", err)}
		}
		for _, props := range page.Value {
			if err := visit(directoryUser(props)); err != nil {
				return err
			}
		}
		return nil
	}, next)
}

// readDeltaRound GETs a delta round's pages from ri (with the Prefer header, when given), hands each page's
// body to visit and each nextLink to next (when not nil), and returns the round's deltaLink. Every link must
// stay on the Graph endpoint; a round is bounded to maxDeltaPages pages.
func (s *SDK) readDeltaRound(ctx context.Context, op string, ri *abs.RequestInformation, prefer string, visit func([]byte) error,
	next func(string)) (string, error) {
	for pages := 0; pages < maxDeltaPages; pages++ {
		if prefer != "" {
			ri.Headers.TryAdd("Prefer", prefer)
		}
		raw, err := s.getPage(ctx, op, ri)
		if err != nil {
			return "", err
		}
		var links deltaLinks
		if err := json.Unmarshal(raw, &links); err != nil {
			return "", &Error{Op: op, Kind: KindTransient, Err: fmt.Errorf("read the page: %w", err)}
		}
		if err := visit(raw); err != nil {
			return "", err
		}
		if links.NextLink == "" {
			if links.DeltaLink == "" {
				return "", &Error{Op: op, Kind: KindTransient, Message: "the last page had neither a nextLink nor a deltaLink"}
			}
			if _, err := s.nextPage(op, links.DeltaLink); err != nil {
				return "", err
			}
			return links.DeltaLink, nil
		}
		if ri, err = s.nextPage(op, links.NextLink); err != nil {
			return "", err
		}
		if next != nil {
			next(links.NextLink)
		}
	}
	return "", &Error{Op: op, Kind: KindTransient, Message: fmt.Sprintf("more than %d pages in one round", maxDeltaPages)}
}

// firstDeltaPage is the round's first request: the link of the round before, or a new query with $select.
func (s *SDK) firstDeltaPage(link string, sel []string) (*abs.RequestInformation, error) {
	if link != "" {
		return s.nextPage("UsersDelta", link)
	}
	u, err := url.Parse(strings.TrimSuffix(s.baseURL, "/") + "/users/delta")
	if err != nil {
		return nil, classify("UsersDelta", err)
	}
	u.RawQuery = url.Values{"$select": {strings.Join(append([]string{"id"}, sel...), ",")}}.Encode()
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	return ri, nil
}

// directoryUser reads one element of a delta page.
func directoryUser(props map[string]json.RawMessage) DirectoryUser {
	u := DirectoryUser{Props: map[string]json.RawMessage{}}
	for k, v := range props {
		switch k {
		case "id":
			_ = json.Unmarshal(v, &u.ID)
		case "@removed":
			var r struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(v, &r)
			u.Removed = r.Reason
			if u.Removed == "" {
				u.Removed = "changed"
			}
		default:
			if !strings.HasPrefix(k, "@odata.") {
				u.Props[k] = v
			}
		}
	}
	return u
}

// GetDirectoryUser implements DirectoryReader.
func (s *SDK) GetDirectoryUser(ctx context.Context, id string, sel []string) (DirectoryUser, error) {
	const op = "GetDirectoryUser"
	u, err := url.Parse(strings.TrimSuffix(s.baseURL, "/") + "/users/" + url.PathEscape(id))
	if err != nil {
		return DirectoryUser{}, classify(op, err)
	}
	u.RawQuery = url.Values{"$select": {strings.Join(append([]string{"id"}, sel...), ",")}}.Encode()
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	raw, err := s.getPage(ctx, op, ri)
	if err != nil {
		return DirectoryUser{}, err
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return DirectoryUser{}, &Error{Op: op, Kind: KindTransient, Err: fmt.Errorf("read the user: %w", err)}
	}
	return directoryUser(props), nil
}

// IsDeltaExpired says Graph no longer knows a delta link: 400 syncStateNotFound (or a token too old), or
// 410 Gone after tenant maintenance. The round starts afresh.
func IsDeltaExpired(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch {
	case e.Status == http.StatusGone:
		return true
	case e.Status == http.StatusBadRequest:
		c := strings.ToLower(e.Code)
		return c == "syncstatenotfound" || c == "resyncrequired" || strings.Contains(c, "token")
	}
	return false
}
