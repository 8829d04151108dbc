package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphperm"
)

// need is one permission requirement: the calls that accept the same permissions.
type need struct {
	features []string
	calls    []graphperm.Call
}

func (n need) name() string { return "permission to " + strings.Join(n.features, ", ") }

func (n need) fix() string {
	c := n.calls[0]
	fix := "grant the application permission " + c.AnyOf[0]
	if len(c.AnyOf) > 1 {
		fix += " (or one of " + strings.Join(c.AnyOf[1:], ", ") + ")"
	}
	if len(c.AlsoAnyOf) > 0 {
		fix += " and " + c.AlsoAnyOf[0]
	}
	return fix + " to the app and grant admin consent"
}

// needs groups the permission table by the permissions each call accepts, in table order.
func needs() []need {
	var out []need
	index := map[string]int{}
	for _, c := range graphperm.Calls() {
		key := strings.Join(c.AnyOf, "|")
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, need{})
		}
		out[i].features = append(out[i].features, c.Feature)
		out[i].calls = append(out[i].calls, c)
	}
	return out
}

// probe is a read call that shows whether a permission is granted; nil when the calls have none.
func probe(t Target, calls []graphperm.Call) func(context.Context) error {
	for _, c := range calls {
		if c.Write {
			return nil
		}
	}
	user := t.Sender
	byPath := map[string]func(context.Context) error{
		"policies/authenticationMethodsPolicy/authenticationMethodConfigurations/*": func(ctx context.Context) error {
			_, err := t.Graph.GetTAPPolicy(ctx)
			return err
		},
		"domains": func(ctx context.Context) error { _, err := t.Graph.ListVerifiedDomains(ctx); return err },
	}
	if logs, ok := t.Graph.(graph.LogReader); ok {
		byPath["auditLogs/directoryAudits"] = func(ctx context.Context) error {
			_, err := logs.ListMethodAudits(ctx, time.Now().Add(-time.Minute))
			return err
		}
		byPath["auditLogs/signIns"] = func(ctx context.Context) error {
			_, err := logs.ListSignIns(ctx, time.Now().Add(-time.Minute))
			return err
		}
	}
	if user != "" {
		byPath["users/*"] = func(ctx context.Context) error { _, err := t.Graph.GetUser(ctx, user); return err }
		byPath["users/*/authentication/methods"] = func(ctx context.Context) error { _, err := t.Graph.ListMethods(ctx, user); return err }
		byPath["users/*/authentication/temporaryAccessPassMethods"] = func(ctx context.Context) error {
			_, err := t.Graph.ListTAPs(ctx, user)
			return err
		}
		roles := func(op string) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := t.Graph.ListRoleHoldings(ctx, user)
				if err != nil && !strings.Contains(err.Error(), op) {
					return nil // only the other read of the pair failed: its own line says so
				}
				return err
			}
		}
		byPath["roleManagement/directory/roleAssignmentScheduleInstances"] = roles("(active)")
		byPath["roleManagement/directory/roleEligibilityScheduleInstances"] = roles("(eligible)")
	}
	for _, c := range calls {
		if p, ok := byPath[c.Path]; ok {
			return p
		}
	}
	return nil
}

// checkPermissions checks each requirement against the token's roles, or, for a static token, probes it with
// a read call; write permissions cannot be probed without side effects.
func checkPermissions(ctx context.Context, r *Report, t Target, roles []string) {
	for _, n := range needs() {
		if !t.Watch && strings.HasPrefix(n.calls[0].Path, "auditLogs/") {
			r.add(n.name(), Info, "not needed: the tenant watch is off", "")
			continue
		}
		if !t.Directory && n.calls[0].Path == "groups/delta" {
			r.add(n.name(), Info, "not needed: the directory source is off", "")
			continue
		}
		if roles != nil {
			if n.calls[0].Allows(roles) {
				r.add(n.name(), OK, "", "")
			} else {
				r.add(n.name(), Fail, "not in the token's roles", n.fix())
			}
			continue
		}
		p := probe(t, n.calls)
		if p == nil {
			r.add(n.name(), Info, "not checkable with a static token without side effects; needs "+n.calls[0].AnyOf[0], "")
			continue
		}
		switch err := p(ctx); {
		case err == nil || graph.IsNotFound(err):
			r.add(n.name(), OK, "a read call succeeded", "")
		case graph.KindOf(err) == graph.KindForbidden:
			r.add(n.name(), Fail, errorDetail(err), n.fix())
		default:
			r.add(n.name(), Fail, errorDetail(err), "")
		}
	}
}

// checkPolicy reads the tenant's TAP policy and compares it with the rollout guidance: enabled, scoped to the
// joiners, lifetime at most 8 hours, passes of at least 8 characters, one-time where feasible.
func checkPolicy(ctx context.Context, r *Report, t Target) {
	const name = "Temporary Access Pass policy"
	p, err := t.Graph.GetTAPPolicy(ctx)
	if err != nil {
		r.add(name, Fail, "cannot read it: "+errorDetail(err), "grant Policy.Read.AuthenticationMethod")
		return
	}
	switch {
	case !p.Enabled:
		r.add(name, Fail, "the method is disabled",
			"enable it: Entra admin center > Protection > Authentication methods > Temporary Access Pass")
		return
	case len(p.IncludeTargets) == 0:
		r.add(name, Fail, "it targets no users", "include all users or the joiners' group in the TAP policy")
		return
	}
	r.add(name, OK, fmt.Sprintf("enabled; lifetime %d-%d min (default %d), length %d, one-time %t",
		p.MinLifetimeMinutes, p.MaxLifetimeMinutes, p.DefaultLifetimeMinutes, p.DefaultLength, p.UsableOnce), "")
	if p.MaxLifetimeMinutes > 8*60 {
		r.add("TAP maximum lifetime", Warn, fmt.Sprintf("%d min: a leaked pass stays usable longer than a working day", p.MaxLifetimeMinutes),
			"set the policy's maximum lifetime to 8 hours (480 min) or less")
	}
	if p.DefaultLength > 0 && p.DefaultLength < 8 {
		r.add("TAP length", Warn, fmt.Sprintf("%d characters", p.DefaultLength), "set the policy's length to 8 or more")
	}
	if !p.UsableOnce {
		r.add("TAP one-time use", Info, "passes are usable many times until they expire; tapflow revokes each one as soon as "+
			"a method is registered. Make them one-time where joiners register in a single sign-in", "")
	}
}

// checkSender checks that the sender mailbox exists and has a mailbox.
func checkSender(ctx context.Context, r *Report, t Target) {
	if t.Sender == "" {
		r.add("sender mailbox", Info, "delivery by webhook: no mailbox needed", "")
		return
	}
	u, err := t.Graph.GetUser(ctx, t.Sender)
	switch {
	case graph.IsNotFound(err):
		r.add("sender mailbox "+t.Sender, Fail, "no such user", "set --sender-mailbox / TAPFLOW_SENDER_MAILBOX to a user with an Exchange Online mailbox")
	case err != nil:
		r.add("sender mailbox "+t.Sender, Fail, errorDetail(err), "")
	case u.Mail == "":
		r.add("sender mailbox "+t.Sender, Fail, "the user has no mailbox", "give it an Exchange Online licence, or choose a user that has one")
	case !u.AccountEnabled:
		r.add("sender mailbox "+t.Sender, Warn, "the account is disabled", "a disabled account's mailbox may still send; prefer a shared mailbox or an enabled service user")
	default:
		r.add("sender mailbox "+t.Sender, OK, u.Mail, "")
	}
}

// checkTrustReads says what the trust rules will do with what the app may read: without the role reads every
// journey waits for approval (privilege_unknown); without the verified domains no manager receives a pass.
func checkTrustReads(ctx context.Context, r *Report, t Target) {
	if len(t.PrivilegedGroups) > 0 {
		r.add("privileged groups", OK, fmt.Sprintf("members of %d listed groups are held for approval", len(t.PrivilegedGroups)), "")
	}
	if t.Sender != "" {
		if _, err := t.Graph.ListRoleHoldings(ctx, t.Sender); err != nil && graph.KindOf(err) != graph.KindNotFound {
			r.add("privilege check", Warn, "cannot read role assignments and eligibilities ("+errorDetail(err)+
				"): every journey will wait for approval with reason privilege_unknown",
				"grant RoleAssignmentSchedule.Read.Directory and RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)")
		} else {
			r.add("privilege check", OK, "active and eligible roles, at any scope, directly or through groups", "")
		}
	}
	if len(t.RecipientDomains) > 0 {
		r.add("recipient domains", OK, "passes are mailed only to "+strings.Join(t.RecipientDomains, ", "), "")
		return
	}
	ds, err := t.Graph.ListVerifiedDomains(ctx)
	if err != nil {
		r.add("recipient domains", Fail, "cannot read the tenant's verified domains ("+errorDetail(err)+
			"): no manager receives a pass; the fallback recipient gets it, if one is set",
			"grant Domain.Read.All, or list the domains in --recipient-domains / TAPFLOW_RECIPIENT_DOMAINS")
		return
	}
	r.add("recipient domains", OK, fmt.Sprintf("passes are mailed only to the tenant's %d verified domains", len(ds)), "")
}
