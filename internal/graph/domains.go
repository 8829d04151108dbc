package graph

import (
	"context"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"
)

// DefaultDomainTTL is how long a worker reuses the tenant's verified domains: they change rarely, and a domain
// removed from the tenant stops receiving passes within this time.
const DefaultDomainTTL = 15 * time.Minute

// ListVerifiedDomains implements Client: the tenant's verified domain names, lower-cased.
func (s *SDK) ListVerifiedDomains(ctx context.Context) ([]string, error) {
	resp, err := s.domains.Get(ctx, nil)
	var out []string
	for {
		if err != nil {
			return nil, classify("ListVerifiedDomains", err)
		}
		if resp == nil {
			return out, nil
		}
		for _, d := range resp.GetValue() {
			if d.GetIsVerified() != nil && *d.GetIsVerified() {
				out = append(out, strings.ToLower(deref(d.GetId())))
			}
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			return out, nil
		}
		resp, err = s.domains.WithUrl(*next).Get(ctx, nil)
	}
}

// MailDomain is the domain part of a plain mail address, lower-cased; "" when mail is not exactly one plain
// address (a display name, a list, two @, a domain outside ASCII: an internationalised domain must come in its
// punycode form), so that such an address is never trusted.
func MailDomain(mail string) string {
	a, err := netmail.ParseAddress(mail)
	if err != nil || a.Name != "" || a.Address != mail {
		return ""
	}
	at := strings.LastIndexByte(a.Address, '@')
	domain := a.Address[at+1:]
	for _, r := range domain {
		if r > unicode.MaxASCII {
			return ""
		}
	}
	return strings.ToLower(domain)
}

// SameMailbox reports whether two addresses name the same mailbox as far as tapflow can tell: equal ignoring
// case, or equal once a "+tag" in the local part is dropped (plus addressing delivers both to one mailbox).
func SameMailbox(a, b string) bool {
	norm := func(s string) string {
		local, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "@")
		if !ok {
			return local
		}
		local, _, _ = strings.Cut(local, "+")
		return local + "@" + domain
	}
	return a != "" && b != "" && norm(a) == norm(b)
}
