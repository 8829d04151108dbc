package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
)

// RoleHolding is one directory role a user holds or may activate: Entra's role schedule instances (PIM), which
// list roles held directly or through a role-assignable group, tenant-wide or scoped to an administrative unit.
type RoleHolding struct {
	TemplateID string // the role definition's id (its template id for built-in roles)
	Name       string // the role's display name, when Graph gave it
	Scope      string // "/" tenant-wide, "/administrativeUnits/{id}" and the like otherwise
	MemberType string // Direct, Group or Inherited
	Eligible   bool   // held through PIM eligibility: the user may activate it, with a TAP as their MFA
}

// roleHoldingFilter selects a principal's instances; principalId supports only eq (Graph v1.0).
func roleHoldingFilter(user string) *string {
	f := "principalId eq '" + strings.ReplaceAll(user, "'", "''") + "'" // OData quotes a quote by doubling it
	return &f
}

// ListRoleHoldings implements Client. The active and the eligible instances travel in one JSON batch, so the
// privilege read costs one round trip; each sub-request still counts against Graph's throttling limits.
func (s *SDK) ListRoleHoldings(ctx context.Context, user string) ([]RoleHolding, error) {
	dir := s.roles.Directory()
	expand := []string{"roleDefinition($select=id,displayName,templateId)"}
	active, err := dir.RoleAssignmentScheduleInstances().ToGetRequestInformation(ctx,
		&rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetRequestConfiguration{
			QueryParameters: &rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetQueryParameters{
				Filter: roleHoldingFilter(user), Expand: expand}})
	if err != nil {
		return nil, classify("ListRoleHoldings", err)
	}
	eligible, err := dir.RoleEligibilityScheduleInstances().ToGetRequestInformation(ctx,
		&rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
			QueryParameters: &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
				Filter: roleHoldingFilter(user), Expand: expand}})
	if err != nil {
		return nil, classify("ListRoleHoldings", err)
	}
	batch := core.NewBatchRequest(s.adapter)
	activeItem, err := batch.AddBatchRequestStep(*active)
	if err != nil {
		return nil, classify("ListRoleHoldings", err)
	}
	eligibleItem, err := batch.AddBatchRequestStep(*eligible)
	if err != nil {
		return nil, classify("ListRoleHoldings", err)
	}
	resp, err := batch.Send(ctx, s.adapter)
	if err != nil {
		return nil, classify("ListRoleHoldings", err)
	}
	var out []RoleHolding
	var errs []error // both parts are read, so a failure names each read that failed
	for _, part := range []struct {
		item     core.BatchItem
		eligible bool
	}{{activeItem, false}, {eligibleItem, true}} {
		held, err := s.roleHoldingsIn(ctx, resp, deref(part.item.GetId()), part.eligible)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, held...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// roleHoldingsIn reads one sub-response of the batch, and the further pages its nextLink names.
func (s *SDK) roleHoldingsIn(ctx context.Context, resp core.BatchResponse, id string, eligible bool) ([]RoleHolding, error) {
	op := "ListRoleHoldings(active)"
	if eligible {
		op = "ListRoleHoldings(eligible)"
	}
	item := resp.GetResponseById(id)
	if item == nil || item.GetStatus() == nil {
		return nil, &Error{Op: op, Kind: KindTransient, Message: "the batch response lacks this request's answer"}
	}
	body, err := json.Marshal(item.GetBody())
	if err != nil {
		return nil, &Error{Op: op, Kind: KindTransient, Err: err}
	}
	if status := int(*item.GetStatus()); status >= 300 {
		return nil, batchItemError(op, status, item.GetHeaders(), body)
	}
	page, err := parseRoleHoldings(body, eligible)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindTransient, Err: err}
	}
	var out []RoleHolding
	for {
		held, next := holdingsOf(page, eligible)
		out = append(out, held...)
		if next == "" {
			return out, nil
		}
		dir := s.roles.Directory()
		if eligible {
			page, err = dir.RoleEligibilityScheduleInstances().WithUrl(next).Get(ctx, nil)
		} else {
			page, err = dir.RoleAssignmentScheduleInstances().WithUrl(next).Get(ctx, nil)
		}
		if err != nil {
			return nil, classify(op, err)
		}
	}
}

// parseRoleHoldings parses a sub-response's body with the SDK's models.
func parseRoleHoldings(body []byte, eligible bool) (absser.Parsable, error) {
	node, err := jsonser.NewJsonParseNode(body)
	if err != nil {
		return nil, fmt.Errorf("parse the role schedule instances: %w", err)
	}
	ctor := absser.ParsableFactory(models.CreateUnifiedRoleAssignmentScheduleInstanceCollectionResponseFromDiscriminatorValue)
	if eligible {
		ctor = models.CreateUnifiedRoleEligibilityScheduleInstanceCollectionResponseFromDiscriminatorValue
	}
	v, err := node.GetObjectValue(ctor)
	if err != nil {
		return nil, fmt.Errorf("parse the role schedule instances: %w", err)
	}
	return v, nil
}

// holdingsOf reads a page of schedule instances and its nextLink.
func holdingsOf(page absser.Parsable, eligible bool) ([]RoleHolding, string) {
	var out []RoleHolding
	add := func(b models.UnifiedRoleScheduleInstanceBaseable, memberType *string) {
		h := RoleHolding{TemplateID: deref(b.GetRoleDefinitionId()), Scope: deref(b.GetDirectoryScopeId()),
			MemberType: deref(memberType), Eligible: eligible}
		if d := b.GetRoleDefinition(); d != nil {
			h.Name = deref(d.GetDisplayName())
			if t := deref(d.GetTemplateId()); t != "" {
				h.TemplateID = t
			}
		}
		out = append(out, h)
	}
	var next *string
	switch c := page.(type) {
	case models.UnifiedRoleAssignmentScheduleInstanceCollectionResponseable:
		for _, i := range c.GetValue() {
			add(i, i.GetMemberType())
		}
		next = c.GetOdataNextLink()
	case models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable:
		for _, i := range c.GetValue() {
			add(i, i.GetMemberType())
		}
		next = c.GetOdataNextLink()
	}
	return out, deref(next)
}

// batchItemError turns a failed sub-response into an *Error, as classify does for a direct response.
func batchItemError(op string, status int, headers map[string]string, body []byte) error {
	e := &Error{Op: op, Status: status, Kind: kindForStatus(status)}
	var odata struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &odata) == nil {
		e.Code, e.Message = odata.Error.Code, odata.Error.Message
	}
	for k, v := range headers {
		if http.CanonicalHeaderKey(k) == "Retry-After" {
			e.RetryAfter = ParseRetryAfter(v, time.Now())
		}
	}
	return e
}
