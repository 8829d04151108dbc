// Package graphperm lists the Microsoft Graph application permissions each call tapflow makes accepts. The
// Graph emulator enforces it and the worker's doctor checks a token against it, so both read one table.
package graphperm

import (
	"slices"
	"strings"
)

// Call is one Graph call tapflow makes and the application permissions that allow it (any one of them).
type Call struct {
	Feature string   // what tapflow uses the call for, as the README's permission table says
	Method  string   // HTTP method
	Path    string   // path under /v1.0, "*" for a parameter segment
	AnyOf   []string // least-privileged first
	// AlsoAnyOf is a second requirement some calls have: one of these as well (the audit logs need
	// AuditLog.Read.All and Directory.Read.All).
	AlsoAnyOf []string
	Write     bool // a call with side effects: never probed, only checked against a token's roles
}

// Calls is the table, in the order of the README's permission table.
func Calls() []Call {
	userRead := []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	tapWrite := []string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}
	return []Call{
		{Feature: "read the user", Method: "GET", Path: "users/*", AnyOf: userRead},
		{Feature: "find the manager", Method: "GET", Path: "users/*/manager", AnyOf: userRead},
		{Feature: "check registered methods", Method: "GET", Path: "users/*/authentication/methods",
			AnyOf: []string{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}},
		{Feature: "issue a TAP", Method: "POST", Path: "users/*/authentication/temporaryAccessPassMethods", AnyOf: tapWrite, Write: true},
		{Feature: "list TAPs", Method: "GET", Path: "users/*/authentication/temporaryAccessPassMethods",
			AnyOf: append(slices.Clone(tapWrite), "UserAuthMethod-TAP.Read.All", "UserAuthenticationMethod.Read.All")},
		{Feature: "read a TAP", Method: "GET", Path: "users/*/authentication/temporaryAccessPassMethods/*",
			AnyOf: append(slices.Clone(tapWrite), "UserAuthMethod-TAP.Read.All", "UserAuthenticationMethod.Read.All")},
		{Feature: "revoke a TAP", Method: "DELETE", Path: "users/*/authentication/temporaryAccessPassMethods/*", AnyOf: tapWrite, Write: true},
		{Feature: "read the tenant TAP policy", Method: "GET",
			Path:  "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/*",
			AnyOf: []string{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"}},
		{Feature: "refuse privileged users", Method: "GET", Path: "users/*/transitiveMemberOf", AnyOf: userRead},
		{Feature: "read direct roles", Method: "GET", Path: "users/*/memberOf", AnyOf: userRead},
		{Feature: "refuse users holding an active role at any scope", Method: "GET",
			Path: "roleManagement/directory/roleAssignmentScheduleInstances",
			AnyOf: []string{"RoleAssignmentSchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All",
				"RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}},
		{Feature: "refuse users eligible for a role (PIM)", Method: "GET",
			Path: "roleManagement/directory/roleEligibilityScheduleInstances",
			AnyOf: []string{"RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All",
				"RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}},
		{Feature: "keep passes inside the tenant's verified domains", Method: "GET", Path: "domains",
			AnyOf: []string{"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}},
		{Feature: "deliver by mail", Method: "POST", Path: "users/*/sendMail", AnyOf: []string{"Mail.Send"}, Write: true},
		{Feature: "revoke a leaver's sessions", Method: "POST", Path: "users/*/revokeSignInSessions",
			AnyOf: []string{"User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}, Write: true},
		{Feature: "disable a leaver's account", Method: "PATCH", Path: "users/*",
			AnyOf: []string{"User.EnableDisableAccount.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}, Write: true},
		{Feature: "watch registrations and passes (audit log)", Method: "GET", Path: "auditLogs/directoryAudits",
			AnyOf: []string{"AuditLog.Read.All"}, AlsoAnyOf: []string{"Directory.Read.All", "Directory.ReadWrite.All"}},
		{Feature: "watch sign-ins with a pass (sign-in log)", Method: "GET", Path: "auditLogs/signIns",
			AnyOf: []string{"AuditLog.Read.All"}, AlsoAnyOf: []string{"Directory.Read.All", "Directory.ReadWrite.All"}},
		{Feature: "follow the scope and privileged groups' membership (directory source)", Method: "GET", Path: "groups/delta",
			AnyOf: []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}},
	}
}

// Lookup finds the call for a method and a path's segments (relative to /v1.0); ok is false for a call
// tapflow does not make.
func Lookup(method string, segs []string) (Call, bool) {
	for _, c := range Calls() {
		if c.Method != method {
			continue
		}
		pat := strings.Split(c.Path, "/")
		if len(pat) != len(segs) {
			continue
		}
		match := true
		for i, p := range pat {
			if p != "*" && !strings.EqualFold(p, segs[i]) {
				match = false
				break
			}
		}
		if match {
			return c, true
		}
	}
	return Call{}, false
}

// Allows reports whether the granted permissions allow the call: one of AnyOf, and one of AlsoAnyOf if set.
func (c Call) Allows(granted []string) bool {
	return anyGranted(c.AnyOf, granted) && (len(c.AlsoAnyOf) == 0 || anyGranted(c.AlsoAnyOf, granted))
}

func anyGranted(accepted, granted []string) bool {
	for _, g := range granted {
		for _, a := range accepted {
			if strings.EqualFold(g, a) {
				return true
			}
		}
	}
	return false
}

// All is every permission named in the table, least-privileged ones first: what the emulator grants by default.
func All() []string {
	var out []string
	for _, c := range Calls() {
		for _, p := range append(slices.Clone(c.AnyOf), c.AlsoAnyOf...) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
