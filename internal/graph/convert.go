package graph

import (
	"strconv"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// The conversions below read the SDK models leniently, where the Graph docs disagree with each other
// (graph-contract §10): a missing @odata.type, creationDateTime for createdDateTime, camelCase usability reasons.

func userFromModel(u models.Userable) User {
	return User{
		ID:                deref(u.GetId()),
		UserPrincipalName: deref(u.GetUserPrincipalName()),
		DisplayName:       deref(u.GetDisplayName()),
		Mail:              deref(u.GetMail()),
		PreferredLanguage: deref(u.GetPreferredLanguage()),
		EmployeeID:        deref(u.GetEmployeeId()),
		AccountEnabled:    u.GetAccountEnabled() != nil && *u.GetAccountEnabled(), // unknown: refuse by default
		UserType:          deref(u.GetUserType()),
		Extensions:        extensionsOf(u.GetOnPremisesExtensionAttributes()),
	}
}

// extensionsOf lists the set onPremisesExtensionAttributes by name (extensionAttribute1..15).
func extensionsOf(a models.OnPremisesExtensionAttributesable) map[string]string {
	if a == nil {
		return nil
	}
	out := map[string]string{}
	for i, v := range []*string{a.GetExtensionAttribute1(), a.GetExtensionAttribute2(), a.GetExtensionAttribute3(),
		a.GetExtensionAttribute4(), a.GetExtensionAttribute5(), a.GetExtensionAttribute6(), a.GetExtensionAttribute7(),
		a.GetExtensionAttribute8(), a.GetExtensionAttribute9(), a.GetExtensionAttribute10(), a.GetExtensionAttribute11(),
		a.GetExtensionAttribute12(), a.GetExtensionAttribute13(), a.GetExtensionAttribute14(), a.GetExtensionAttribute15()} {
		if v != nil && *v != "" {
			out["extensionAttribute"+strconv.Itoa(i+1)] = *v
		}
	}
	return out
}

// managerFromModel reads a manager, a user or an orgContact, or a bare directoryObject whose properties the
// SDK kept in AdditionalData because no @odata.type came with it.
func managerFromModel(obj models.DirectoryObjectable) User {
	switch m := obj.(type) {
	case models.Userable:
		return userFromModel(m)
	case models.OrgContactable:
		return User{ID: deref(m.GetId()), DisplayName: deref(m.GetDisplayName()), Mail: deref(m.GetMail()), Contact: true}
	}
	extra := obj.GetAdditionalData()
	return User{
		ID:                deref(obj.GetId()),
		UserPrincipalName: stringField(extra, "userPrincipalName"),
		DisplayName:       stringField(extra, "displayName"),
		Mail:              stringField(extra, "mail"),
		PreferredLanguage: stringField(extra, "preferredLanguage"),
		AccountEnabled:    boolField(extra, "accountEnabled"), // unknown: disabled
		UserType:          stringField(extra, "userType"),
	}
}

// MethodTypeOf turns an @odata.type into a MethodType.
func MethodTypeOf(odataType string) MethodType {
	t := strings.TrimPrefix(strings.TrimPrefix(odataType, "#"), "microsoft.graph.")
	t = strings.TrimSuffix(t, "AuthenticationMethod")
	if t == "" || t == "authenticationMethod" {
		return MethodUnknown
	}
	return MethodType(t)
}

type createdAtGetter interface {
	GetCreatedDateTime() *time.Time
}

type displayNameGetter interface {
	GetDisplayName() *string
}

func methodFromModel(m models.AuthenticationMethodable) Method {
	out := Method{ID: deref(m.GetId()), Type: MethodTypeOf(deref(m.GetOdataType()))}
	if g, ok := m.(displayNameGetter); ok {
		out.DisplayName = deref(g.GetDisplayName())
	}
	if g, ok := m.(createdAtGetter); ok && g.GetCreatedDateTime() != nil {
		out.CreatedAt = *g.GetCreatedDateTime()
	}
	extra := m.GetAdditionalData()
	if out.CreatedAt.IsZero() {
		out.CreatedAt = timeField(extra, "creationDateTime", "createdDateTime")
	}
	if out.DisplayName == "" {
		out.DisplayName = stringField(extra, "displayName")
	}
	return out
}

func tapFromModel(t models.TemporaryAccessPassAuthenticationMethodable) TAP {
	out := TAP{
		ID:              deref(t.GetId()),
		LifetimeMinutes: int(deref(t.GetLifetimeInMinutes())),
		UsableOnce:      deref(t.GetIsUsableOnce()),
		Usable:          deref(t.GetIsUsable()),
		UsabilityReason: NormalizeUsabilityReason(deref(t.GetMethodUsabilityReason())),
	}
	if c := t.GetCreatedDateTime(); c != nil {
		out.CreatedAt = *c
	}
	if s := t.GetStartDateTime(); s != nil {
		out.Start = *s
	} else {
		out.Start = out.CreatedAt // no start: the lifetime counts from creation
	}
	return out
}

// NormalizeUsabilityReason maps either spelling (v1.0 PascalCase, beta camelCase) to PascalCase.
func NormalizeUsabilityReason(r string) string {
	for _, known := range []string{"EnabledByPolicy", "DisabledByPolicy", "Expired", "NotYetValid", "OneTimeUsed"} {
		if strings.EqualFold(r, known) {
			return known
		}
	}
	return r
}

func policyFromModel(cfg models.AuthenticationMethodConfigurationable) TAPPolicy {
	var p TAPPolicy
	if st := cfg.GetState(); st != nil {
		p.Enabled = *st == models.ENABLED_AUTHENTICATIONMETHODSTATE
	}
	for _, t := range cfg.GetExcludeTargets() {
		p.ExcludeTargets = append(p.ExcludeTargets, Target{Type: enumString(t.GetTargetType()), ID: deref(t.GetId())})
	}
	if tap, ok := cfg.(models.TemporaryAccessPassAuthenticationMethodConfigurationable); ok {
		p.DefaultLength = int(deref(tap.GetDefaultLength()))
		p.DefaultLifetimeMinutes = int(deref(tap.GetDefaultLifetimeInMinutes()))
		p.MinLifetimeMinutes = int(deref(tap.GetMinimumLifetimeInMinutes()))
		p.MaxLifetimeMinutes = int(deref(tap.GetMaximumLifetimeInMinutes()))
		p.UsableOnce = deref(tap.GetIsUsableOnce())
		for _, t := range tap.GetIncludeTargets() {
			p.IncludeTargets = append(p.IncludeTargets, Target{Type: enumString(t.GetTargetType()), ID: deref(t.GetId())})
		}
		return p
	}
	// Without @odata.type the SDK parses the base type and keeps the TAP fields in AdditionalData.
	extra := cfg.GetAdditionalData()
	p.DefaultLength = intField(extra, "defaultLength")
	p.DefaultLifetimeMinutes = intField(extra, "defaultLifetimeInMinutes")
	p.MinLifetimeMinutes = intField(extra, "minimumLifetimeInMinutes")
	p.MaxLifetimeMinutes = intField(extra, "maximumLifetimeInMinutes")
	p.UsableOnce = boolField(extra, "isUsableOnce")
	p.IncludeTargets = targetsField(extra, "includeTargets")
	return p
}

// targetsField reads a list of {targetType, id} objects the SDK kept as untyped JSON.
func targetsField(m map[string]any, key string) []Target {
	list, _ := m[key].([]any)
	var out []Target
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, Target{Type: stringField(obj, "targetType"), ID: stringField(obj, "id")})
	}
	return out
}

func addMembership(out *Memberships, obj models.DirectoryObjectable) {
	switch o := obj.(type) {
	case models.DirectoryRoleable:
		out.Roles = append(out.Roles, Role{ID: deref(o.GetId()), Name: deref(o.GetDisplayName()), TemplateID: deref(o.GetRoleTemplateId())})
	case models.Groupable:
		out.Groups = append(out.Groups, Group{ID: deref(o.GetId()), Name: deref(o.GetDisplayName()),
			RoleAssignable: o.GetIsAssignableToRole() != nil && *o.GetIsAssignableToRole()})
	}
}

func enumString[T interface{ String() string }](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

// The SDK keeps unknown JSON properties as pointers (*string, *float64, *bool) or plain values.
func stringField(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case *string:
		return deref(v)
	case string:
		return v
	}
	return ""
}

func intField(m map[string]any, key string) int {
	switch v := m[key].(type) {
	case *float64:
		return int(deref(v))
	case float64:
		return int(v)
	case *int32:
		return int(deref(v))
	case *int64:
		return int(deref(v))
	}
	return 0
}

func boolField(m map[string]any, key string) bool {
	switch v := m[key].(type) {
	case *bool:
		return deref(v)
	case bool:
		return v
	}
	return false
}

func timeField(m map[string]any, keys ...string) time.Time {
	for _, k := range keys {
		if s := stringField(m, k); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}
