// Package graph is tapflow's one door to Microsoft Graph: a small interface holding exactly the calls the
// activities make, implemented on msgraph-sdk-go request builders with an azidentity credential (or a static
// bearer token for the emulator), and typed errors that tell a caller what to do next.
package graph

import (
	"context"
	"time"
)

// Client is every Graph call tapflow makes. User references are an object id (GUID) or a userPrincipalName.
type Client interface {
	// GetUser reads a user, including accountEnabled and employeeId.
	GetUser(ctx context.Context, user string) (User, error)
	// GetManager reads the user's manager; a user without one gives a NotFound error.
	GetManager(ctx context.Context, user string) (User, error)
	// GetUserAndManager reads a user and their manager in one request ($expand=manager); manager is nil when the
	// user has none.
	GetUserAndManager(ctx context.Context, user string) (u User, manager *User, err error)
	// ListMethods lists the user's registered authentication methods.
	ListMethods(ctx context.Context, user string) ([]Method, error)
	// CreateTAP issues a Temporary Access Pass; Graph replaces any pass the user already holds.
	CreateTAP(ctx context.Context, user string, req TAPRequest) (IssuedTAP, error)
	// ListTAPs lists the user's pass metadata (at most one; the value is never returned here).
	ListTAPs(ctx context.Context, user string) ([]TAP, error)
	// DeleteTAP revokes the pass with the given method id.
	DeleteTAP(ctx context.Context, user, methodID string) error
	// GetTAPPolicy reads the tenant's Temporary Access Pass policy.
	GetTAPPolicy(ctx context.Context) (TAPPolicy, error)
	// SendMail sends a message from the sender mailbox.
	SendMail(ctx context.Context, sender string, mail Mail) error
	// RevokeSessions invalidates the user's refresh tokens and session cookies.
	RevokeSessions(ctx context.Context, user string) error
	// SetAccountEnabled enables or disables the account.
	SetAccountEnabled(ctx context.Context, user string, enabled bool) error
	// ListMemberships lists the directory roles and groups the user holds, directly or through groups.
	ListMemberships(ctx context.Context, user string) (Memberships, error)
	// ListRoleHoldings lists the roles the user holds or may activate (PIM), at any scope, directly or
	// through a group.
	ListRoleHoldings(ctx context.Context, user string) ([]RoleHolding, error)
	// ListVerifiedDomains lists the tenant's verified domain names, lower-cased.
	ListVerifiedDomains(ctx context.Context) ([]string, error)
}

// User is the part of an Entra user tapflow reads. Mail is empty when the user has no mailbox. A manager may
// be an organisational contact instead (Contact set): a mail address outside the directory's accounts.
type User struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	Mail              string
	PreferredLanguage string
	EmployeeID        string
	AccountEnabled    bool
	UserType          string            // Member or Guest ("" when Graph gave none)
	Contact           bool              // an orgContact, not a user
	Extensions        map[string]string // onPremisesExtensionAttributes set on the account, by name
}

// MethodType names an authentication method kind, the Graph @odata.type without its decoration
// ("#microsoft.graph.fido2AuthenticationMethod" is MethodFIDO2).
type MethodType string

// The method types Graph v1.0 returns. A type Graph adds later is kept as its own short name.
const (
	MethodPassword           MethodType = "password"
	MethodPhone              MethodType = "phone"
	MethodEmail              MethodType = "email"
	MethodFIDO2              MethodType = "fido2"
	MethodWindowsHello       MethodType = "windowsHelloForBusiness"
	MethodAuthenticator      MethodType = "microsoftAuthenticator"
	MethodPlatformCredential MethodType = "platformCredential"
	MethodSoftwareOath       MethodType = "softwareOath"
	MethodTAP                MethodType = "temporaryAccessPass"
	MethodExternal           MethodType = "external"
	// MethodUnknown is an element that came without an @odata.type (the docs' examples omit it at times).
	MethodUnknown MethodType = "unknown"
)

// PhishingResistantMethods are the method types that resist phishing (passkeys and FIDO2 keys, Windows Hello
// for Business, platform credentials): what a privileged user must hold.
func PhishingResistantMethods() []MethodType {
	return []MethodType{MethodFIDO2, MethodWindowsHello, MethodPlatformCredential}
}

// StrongMethods are the method types that complete a journey unless configured otherwise: the
// phishing-resistant ones and Microsoft Authenticator.
func StrongMethods() []MethodType { return append(PhishingResistantMethods(), MethodAuthenticator) }

// RegistrableMethods are the method types a person registers, among which a deployment chooses those that
// complete a journey.
func RegistrableMethods() []MethodType {
	return append(StrongMethods(), MethodSoftwareOath, MethodPhone, MethodEmail, MethodExternal)
}

// MethodNames are the types' names, as settings and requests spell them.
func MethodNames(types []MethodType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// Method is one registered authentication method.
type Method struct {
	ID          string
	Type        MethodType
	DisplayName string
	CreatedAt   time.Time // zero when Graph gives none
}

// TAPRequest is what tapflow asks Graph for. Zero fields are left to the tenant policy.
type TAPRequest struct {
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      *bool
}

// TAP is a pass's metadata, never its value.
type TAP struct {
	ID              string
	CreatedAt       time.Time
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      bool
	Usable          bool
	// UsabilityReason is normalised to Graph v1.0's PascalCase (EnabledByPolicy, NotYetValid, Expired, ...).
	UsabilityReason string
}

// Expires is the end of the pass's validity, start plus lifetime (Graph has no end timestamp).
func (t TAP) Expires() time.Time {
	return t.Start.Add(time.Duration(t.LifetimeMinutes) * time.Minute)
}

// IssuedTAP is a freshly created pass: its metadata and, once, its value.
type IssuedTAP struct {
	TAP
	Pass Pass
}

// TAPPolicy is the tenant's Temporary Access Pass method configuration.
type TAPPolicy struct {
	Enabled                bool
	DefaultLength          int
	DefaultLifetimeMinutes int
	MinLifetimeMinutes     int
	MaxLifetimeMinutes     int
	UsableOnce             bool
	IncludeTargets         []Target
	ExcludeTargets         []Target
}

// Target is a policy scope entry: a group id, or "all_users".
type Target struct {
	Type string
	ID   string
}

// Mail is a message to send. Body may carry a pass value, so it is a Pass-like secret text.
type Mail struct {
	To      []string
	Subject string
	Body    Pass
	HTML    bool
}

// Memberships are the directory roles and groups a user holds.
type Memberships struct {
	Roles  []Role
	Groups []Group
}

// Role is a directory role the user holds.
type Role struct {
	ID         string
	Name       string
	TemplateID string
}

// Group is a group the user is a member of.
type Group struct {
	ID   string
	Name string
	// RoleAssignable: the group can hold directory roles (isAssignableToRole), now or once someone assigns one.
	RoleAssignable bool
}
