package graph

import (
	"context"
	"strings"
	"time"
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

// MailDomain is the domain part of a mail address, lower-cased ("" when there is none).
func MailDomain(mail string) string {
	at := strings.LastIndexByte(mail, '@')
	if at < 0 || at == len(mail)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(mail[at+1:], "."))
}
