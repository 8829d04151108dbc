package graphemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Seed is the initial directory of an Emulator.
type Seed struct {
	Users    []SeedUser    `json:"users"`
	Groups   []SeedGroup   `json:"groups,omitempty"`   // groups with roles and members, as POST /_emulator/groups takes
	Contacts []SeedContact `json:"contacts,omitempty"` // organizational contacts, as POST /_emulator/contacts takes
	Domains  []Domain      `json:"domains"`            // nil = DefaultDomains(); [] = no domain at all
	Policy   *TAPPolicy    `json:"policy,omitempty"`   // nil = DefaultPolicy()
}

// SeedUser is one user of a Seed, also the body of POST /_emulator/users.
type SeedUser struct {
	ID                    string       `json:"id,omitempty"`
	UserPrincipalName     string       `json:"userPrincipalName"`
	DisplayName           string       `json:"displayName,omitempty"`
	Mail                  string       `json:"mail,omitempty"` // empty = no mailbox
	EmployeeID            string       `json:"employeeId,omitempty"`
	ManagerID             string       `json:"managerId,omitempty"` // the manager's (user's or contact's) id, or a user's UPN
	PreferredLanguage     string       `json:"preferredLanguage,omitempty"`
	Department            string       `json:"department,omitempty"`
	JobTitle              string       `json:"jobTitle,omitempty"`
	EmployeeHireDate      string       `json:"employeeHireDate,omitempty"`      // a DateTimeOffset, e.g. "2026-12-07T09:00:00Z"
	EmployeeLeaveDateTime string       `json:"employeeLeaveDateTime,omitempty"` // a DateTimeOffset
	UserType              string       `json:"userType,omitempty"`              // "Member" (default) or "Guest"
	AccountEnabled        *bool        `json:"accountEnabled,omitempty"`        // nil = true
	DirectoryRoles        []string     `json:"directoryRoles,omitempty"`        // active roles, tenant-wide
	EligibleRoles         []string     `json:"eligibleRoles,omitempty"`         // roles held through PIM eligibility, tenant-wide
	ScopedRoles           []ScopedRole `json:"scopedRoles,omitempty"`           // active roles scoped to an administrative unit

	// OnPremisesExtensionAttributes holds extensionAttribute1 .. extensionAttribute15; other keys are refused.
	OnPremisesExtensionAttributes map[string]string `json:"onPremisesExtensionAttributes,omitempty"`

	Groups  []string         `json:"groups,omitempty"` // ids of the groups the user is a member of
	Methods []map[string]any `json:"methods,omitempty"`
}

// TAPPolicy is the tenant's temporaryAccessPassAuthenticationMethodConfiguration.
type TAPPolicy struct {
	ID                       string   `json:"id"`
	State                    string   `json:"state"`
	DefaultLength            int      `json:"defaultLength"`
	DefaultLifetimeInMinutes int      `json:"defaultLifetimeInMinutes"`
	MinimumLifetimeInMinutes int      `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int      `json:"maximumLifetimeInMinutes"`
	IsUsableOnce             bool     `json:"isUsableOnce"`
	IncludeTargets           []Target `json:"includeTargets"`
	ExcludeTargets           []Target `json:"excludeTargets"`
}

// Target is an include or exclude target of the TAP policy.
type Target struct {
	TargetType             string `json:"targetType"`
	ID                     string `json:"id"`
	IsRegistrationRequired bool   `json:"isRegistrationRequired"`
}

// allUsersTarget is the include target id that puts every user in scope.
const allUsersTarget = "all_users"

// DefaultPolicy returns the portal's default TAP policy, enabled for all users.
func DefaultPolicy() TAPPolicy {
	return TAPPolicy{
		ID:                       "TemporaryAccessPass",
		State:                    "enabled",
		DefaultLength:            8,
		DefaultLifetimeInMinutes: 60,
		MinimumLifetimeInMinutes: 60,
		MaximumLifetimeInMinutes: 480,
		IsUsableOnce:             false,
		IncludeTargets:           []Target{{TargetType: "group", ID: allUsersTarget}},
		ExcludeTargets:           []Target{},
	}
}

// LoadSeed reads and validates a JSON seed file.
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("graphemu: read seed %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("graphemu: parse seed %s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("graphemu: seed %s: %w", path, err)
	}
	return &s, nil
}

// Validate checks that user principal names and ids are present and unique, that methods carry a valid
// @odata.type, that groups, contacts, domains and the policy are valid and that group members exist.
func (s *Seed) Validate() error {
	if err := s.validateUsers(); err != nil {
		return err
	}
	if err := s.validateGroups(); err != nil {
		return err
	}
	for i, c := range s.Contacts {
		if strings.TrimSpace(c.DisplayName) == "" {
			return fmt.Errorf("contacts[%d]: displayName is required", i)
		}
	}
	if s.Domains != nil {
		if _, err := normalizeDomains(s.Domains); err != nil {
			return err
		}
	}
	if s.Policy != nil {
		if err := validatePolicy(s.Policy); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
	}
	return nil
}

// validateUsers checks the seed's users.
func (s *Seed) validateUsers() error {
	upns := map[string]int{}
	ids := map[string]int{}
	for i, u := range s.Users {
		if strings.TrimSpace(u.UserPrincipalName) == "" {
			return fmt.Errorf("users[%d]: userPrincipalName is required", i)
		}
		key := strings.ToLower(u.UserPrincipalName)
		if j, dup := upns[key]; dup {
			return fmt.Errorf("users[%d]: userPrincipalName %q duplicates users[%d]", i, u.UserPrincipalName, j)
		}
		upns[key] = i
		if u.ID != "" {
			id := strings.ToLower(u.ID)
			if j, dup := ids[id]; dup {
				return fmt.Errorf("users[%d]: id %q duplicates users[%d]", i, u.ID, j)
			}
			ids[id] = i
		}
		for k, m := range u.Methods {
			if err := checkMethodType(m); err != nil {
				return fmt.Errorf("users[%d].methods[%d]: %w", i, k, err)
			}
		}
		if _, err := checkUserExtras(u); err != nil {
			return fmt.Errorf("users[%d]: %w", i, err)
		}
	}
	return nil
}

// validatePolicy checks p like Graph does and fills id and nil target lists.
func validatePolicy(p *TAPPolicy) error {
	if p.State != "enabled" && p.State != "disabled" {
		return errors.New("state must be \"enabled\" or \"disabled\"")
	}
	if p.DefaultLength < 8 || p.DefaultLength > 48 {
		return errors.New("defaultLength must be between 8 and 48")
	}
	if p.MinimumLifetimeInMinutes < 10 || p.MinimumLifetimeInMinutes > 43200 {
		return errors.New("minimumLifetimeInMinutes must be between 10 and 43200")
	}
	if p.MaximumLifetimeInMinutes < 10 || p.MaximumLifetimeInMinutes > 43200 {
		return errors.New("maximumLifetimeInMinutes must be between 10 and 43200")
	}
	if p.MinimumLifetimeInMinutes > p.MaximumLifetimeInMinutes {
		return errors.New("minimumLifetimeInMinutes must not exceed maximumLifetimeInMinutes")
	}
	if p.DefaultLifetimeInMinutes < p.MinimumLifetimeInMinutes || p.DefaultLifetimeInMinutes > p.MaximumLifetimeInMinutes {
		return errors.New("defaultLifetimeInMinutes must be between minimumLifetimeInMinutes and maximumLifetimeInMinutes")
	}
	for name, targets := range map[string][]Target{"includeTargets": p.IncludeTargets, "excludeTargets": p.ExcludeTargets} {
		for i := range targets {
			if targets[i].TargetType == "" {
				targets[i].TargetType = "group"
			}
			if targets[i].TargetType != "group" && targets[i].TargetType != "user" {
				return fmt.Errorf("%s[%d].targetType must be \"group\" or \"user\"", name, i)
			}
			if targets[i].ID == "" {
				return fmt.Errorf("%s[%d].id is required", name, i)
			}
		}
	}
	p.ID = "TemporaryAccessPass"
	if p.IncludeTargets == nil {
		p.IncludeTargets = []Target{}
	}
	if p.ExcludeTargets == nil {
		p.ExcludeTargets = []Target{}
	}
	return nil
}

// clonePolicy returns a deep copy of p.
func clonePolicy(p TAPPolicy) TAPPolicy {
	p.IncludeTargets = append([]Target{}, p.IncludeTargets...)
	p.ExcludeTargets = append([]Target{}, p.ExcludeTargets...)
	return p
}

// cloneSeed returns a deep copy of s (an empty seed when s is nil).
func cloneSeed(s *Seed) (*Seed, error) {
	out := &Seed{}
	if s == nil {
		return out, nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return out, fmt.Errorf("graphemu: copy seed: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &Seed{}, fmt.Errorf("graphemu: copy seed: %w", err)
	}
	return out, nil
}
