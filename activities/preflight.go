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
	Settings JoinerSettings
}

// PreflightResult is what pre-flight found. A non-empty Refusal means no pass may be issued.
type PreflightResult struct {
	UserID        string   `json:"user_id"`
	Refusal       Refusal  `json:"refusal,omitempty"`
	Message       string   `json:"message,omitempty"`
	Privileged    bool     `json:"privileged"`
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
	if manager != nil && manager.Mail != "" && manager.AccountEnabled {
		out.Recipient.ManagerMail = manager.Mail
	}
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
	ms, err := j.Graph.ListMemberships(ctx, u.ID)
	if err != nil {
		return PreflightResult{}, graphFailure(fmt.Errorf("read the user's roles and groups: %w", err))
	}
	for _, r := range ms.Roles {
		name := r.Name
		if name == "" {
			name = r.TemplateID // roles the app may not read in full still show that they are held
		}
		out.Roles = append(out.Roles, name)
	}
	out.Privileged = len(ms.Roles) > 0
	if !inScope(p, ms.Groups) {
		out.Refusal, out.Message = RefusedOutOfPolicyScope,
			"The user is outside the TAP policy's target groups: add them (or their group) to the policy."
		return out, nil
	}
	methods, err := j.Graph.ListMethods(ctx, u.ID)
	if err != nil {
		return PreflightResult{}, graphFailure(fmt.Errorf("read the user's methods: %w", err))
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
