package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// Why a manager may not receive a pass (audited as recipient.refused; the fallback recipient, if any, gets it).
const (
	RecipientNoMailbox      = "manager_no_mailbox"
	RecipientContact        = "manager_contact"        // an orgContact: a mail address, not an account
	RecipientGuest          = "manager_guest"          // userType is Guest
	RecipientTypeUnknown    = "manager_type_unknown"   // Graph gave no userType, or the object is of no known type
	RecipientDisabled       = "manager_disabled"       // the account is disabled (or accountEnabled unknown)
	RecipientIsEmployee     = "manager_is_employee"    // the employee would receive their own pass
	RecipientDomainOutside  = "manager_domain_outside" // the mailbox is not on a verified (or allowed) domain
	RecipientDomainsUnknown = "recipient_domains_unknown"
)

// managerRecipient is the manager's mailbox when the manager may receive a pass, else "" and the reason: a
// member user (not a guest, not an orgContact), enabled, not the employee, whose mail is on one of the
// tenant's verified domains (cached) or on Settings.RecipientDomains when that is set.
func (j *Journey) managerRecipient(ctx context.Context, u graph.User, m *graph.User) (string, string, error) {
	switch {
	case m == nil || m.Mail == "":
		return "", RecipientNoMailbox, nil
	case m.Contact:
		return "", RecipientContact, nil
	case strings.EqualFold(m.UserType, "Guest"):
		return "", RecipientGuest, nil
	case !strings.EqualFold(m.UserType, "Member"):
		return "", RecipientTypeUnknown, nil
	case !m.AccountEnabled:
		return "", RecipientDisabled, nil
	case strings.EqualFold(m.ID, u.ID) || graph.SameMailbox(m.Mail, u.Mail) || graph.SameMailbox(m.Mail, u.UserPrincipalName):
		return "", RecipientIsEmployee, nil
	}
	domains, err := j.recipientDomains(ctx)
	if err != nil {
		return "", "", err
	}
	if domains == nil {
		return "", RecipientDomainsUnknown, nil
	}
	if !slices.Contains(domains, graph.MailDomain(m.Mail)) {
		return "", RecipientDomainOutside, nil
	}
	return m.Mail, "", nil
}

// recipientDomains are the domains a pass may be mailed to: the configured allowlist, else the tenant's
// verified domains through the cache. nil (no error): Graph refused the read, so no domain is trusted.
func (j *Journey) recipientDomains(ctx context.Context) ([]string, error) {
	if len(j.Settings.RecipientDomains) > 0 {
		return j.Settings.RecipientDomains, nil
	}
	read := j.Graph.ListVerifiedDomains
	var ds []string
	var err error
	if j.Domains == nil {
		ds, err = read(ctx)
	} else {
		ds, err = j.Domains.Get(ctx, read)
	}
	switch kind := graph.KindOf(err); {
	case err == nil:
		if ds == nil {
			ds = []string{}
		}
		return ds, nil
	case kind == graph.KindThrottled || kind == graph.KindTransient || kind == "":
		return nil, graphFailure(fmt.Errorf("read the tenant's verified domains: %w", err))
	default:
		return nil, nil
	}
}

// vetManager reads the recipient for u and m, auditing a refused manager.
func (j *Journey) vetManager(ctx context.Context, employeeID string, u graph.User, m *graph.User) (string, error) {
	mail, why, err := j.managerRecipient(ctx, u, m)
	if err != nil || why == "" || why == RecipientNoMailbox {
		return mail, err
	}
	j.record(ctx, audit.Entry{Action: "recipient.refused", EmployeeID: employeeID, UserID: u.ID, Reason: why})
	return "", nil
}
