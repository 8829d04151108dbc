package activities

import (
	"context"
	"fmt"
	"slices"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// Refusal is a reason code: why a journey issues no pass. Each comes with a human sentence.
type Refusal string

// The refusals.
const (
	RefusedUserNotFound      Refusal = "user_not_found"
	RefusedUserDisabled      Refusal = "user_disabled"
	RefusedTAPDisabled       Refusal = "tap_disabled"
	RefusedOutOfPolicyScope  Refusal = "out_of_policy_scope"
	RefusedNoDeliveryTarget  Refusal = "no_delivery_target"
	RefusedAlreadyRegistered Refusal = "already_registered"
)

// Journey holds the Graph activities of a TAP journey: pre-flight, issue and deliver, wait, revoke, notify,
// and a leaver's departure. Settings are the worker's: the pass lifetime, the delivery channel, the strong
// methods and the slow poll schedule are read from here, not from the workflow.
type Journey struct {
	Graph    graph.Client
	Delivery Deliverer
	Audit    audit.Recorder
	Metrics  PassMetrics        // nil: nothing is counted
	Policies *graph.PolicyCache // the TAP policy for pre-flight and the lifetime; nil: read it every time
	Domains  *graph.DomainCache // the tenant's verified domains, for recipients; nil: read them every time
	Guard    Reserver           // the tenant-wide issuance guard; nil: no guard (tests, a guard turned off)
	Alerts   AlertCounter       // nil: alerts are not counted
	Watch    WatchHealth        // the tenant watch's health, for the safety-net schedule; nil: no watch
	Settings JoinerSettings
}

// PreflightResult is what pre-flight found. A non-empty Refusal means no pass may be issued.
type PreflightResult struct {
	UserID     string  `json:"user_id"`
	Refusal    Refusal `json:"refusal,omitempty"`
	Message    string  `json:"message,omitempty"`
	Privileged bool    `json:"privileged"`
	// HoldReason says why a privileged user waits for approval: HoldPrivileged or HoldPrivilegeUnknown.
	HoldReason    string   `json:"hold_reason,omitempty"`
	Roles         []string `json:"roles,omitempty"`
	StrongMethods []string `json:"strong_methods,omitempty"`
	// StrongMethodIDs are the ids of those methods: a re-registration waits for one that is not among them.
	StrongMethodIDs []string  `json:"strong_method_ids,omitempty"`
	Language        string    `json:"language,omitempty"`
	Policy          TAPPolicy `json:"policy"`
	// Recipient is what delivery needs, read in the same request as the user: an issue right after pre-flight
	// passes it on instead of reading the user and the manager again.
	Recipient *Recipient `json:"recipient,omitempty"`
}

// Recipient is the user as a pass notice names them, and the manager's mailbox ("" when the manager has none,
// is disabled, or there is no manager).
type Recipient struct {
	UserPrincipalName string `json:"user_principal_name"`
	DisplayName       string `json:"display_name"`
	ManagerMail       string `json:"manager_mail,omitempty"`
}

// PreflightRequest names the user, the employee HR says they are, and which methods count as strong.
type PreflightRequest struct {
	User       string   `json:"user"`
	EmployeeID string   `json:"employee_id"`
	Strength   Strength `json:"strength,omitempty"`
}

// Preflight checks the user exists and is enabled, the TAP policy is on and covers them, and lists their
// directory roles and strong methods. Refusals are results, not errors; errors are Graph failures.
func (j *Journey) Preflight(ctx context.Context, req PreflightRequest) (PreflightResult, error) {
	u, manager, err := j.Graph.GetUserAndManager(ctx, req.User)
	if graph.IsNotFound(err) {
		return PreflightResult{Refusal: RefusedUserNotFound,
			Message: "No Entra user matches the employee's user reference: check the HR record's user field."}, nil
	}
	if err != nil {
		return PreflightResult{}, graphFailure(fmt.Errorf("read the user: %w", err))
	}
	if refusal, msg := j.bindingRefusal(ctx, u, req.EmployeeID, "tap.refused"); refusal != "" {
		return PreflightResult{UserID: u.ID, Refusal: refusal, Message: msg}, nil
	}
	out := PreflightResult{UserID: u.ID, Language: u.PreferredLanguage,
		Recipient: &Recipient{UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName}}
	if !u.AccountEnabled {
		out.Refusal, out.Message = RefusedUserDisabled, "The Entra account is disabled: enable it before a pass can be issued."
		return out, nil
	}
	p, err := j.policy(ctx)
	if err != nil {
		return PreflightResult{}, err
	}
	out.Policy = p
	if !p.Enabled {
		out.Refusal, out.Message = RefusedTAPDisabled, "The tenant's Temporary Access Pass method is disabled."
		return out, nil
	}
	ms, err := j.memberships(ctx, u.ID)
	if err != nil {
		return PreflightResult{}, err
	}
	priv, err := j.privilegeOf(ctx, req.EmployeeID, u.ID, ms)
	if err != nil {
		return PreflightResult{}, err
	}
	out.Roles, out.Privileged, out.HoldReason = priv.roles, priv.privileged(), priv.holdReason()
	if ms != nil && !inScope(p, ms.Groups) {
		out.Refusal, out.Message = RefusedOutOfPolicyScope,
			"The user is outside the TAP policy's target groups: add them (or their group) to the policy."
		return out, nil
	}
	methods, err := j.Graph.ListMethods(ctx, u.ID)
	if err != nil {
		return PreflightResult{}, graphFailure(fmt.Errorf("read the user's methods: %w", err))
	}
	if out.Recipient.ManagerMail, err = j.vetManager(ctx, req.EmployeeID, u, manager); err != nil {
		return PreflightResult{}, err
	}
	strong := j.strongMethods(req.Strength)
	for _, m := range methods {
		if slices.Contains(strong, string(m.Type)) {
			out.StrongMethods = append(out.StrongMethods, string(m.Type))
			out.StrongMethodIDs = append(out.StrongMethodIDs, m.ID)
		}
	}
	return out, nil
}

// memberships reads the user's transitive roles and groups; nil when Graph refuses the read (privilege
// unknown; the policy's group scope is then left to Entra, which checks it when the pass is created).
func (j *Journey) memberships(ctx context.Context, userID string) (*graph.Memberships, error) {
	ms, err := j.Graph.ListMemberships(ctx, userID)
	switch kind := graph.KindOf(err); {
	case err == nil:
		return &ms, nil
	case kind == graph.KindForbidden:
		return nil, nil
	default:
		return nil, graphFailure(fmt.Errorf("read the user's roles and groups: %w", err))
	}
}

// policy is the tenant's TAP policy, through the cache when there is one.
func (j *Journey) policy(ctx context.Context) (TAPPolicy, error) {
	var p graph.TAPPolicy
	var err error
	if j.Policies == nil {
		p, err = j.Graph.GetTAPPolicy(ctx)
	} else {
		p, err = j.Policies.Get(ctx, j.Graph.GetTAPPolicy)
	}
	if err != nil {
		return TAPPolicy{}, graphFailure(fmt.Errorf("read TAP policy: %w", err))
	}
	return policyOf(p), nil
}

func inScope(p TAPPolicy, groups []graph.Group) bool {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	for _, ex := range p.ExcludeGroups {
		if slices.Contains(ids, ex) {
			return false
		}
	}
	for _, in := range p.IncludeGroups {
		if in == "all_users" || slices.Contains(ids, in) {
			return true
		}
	}
	return false
}
