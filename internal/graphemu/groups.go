package graphemu

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// SeedGroup is a group of a Seed, also the body of POST /_emulator/groups. Members may also join a group by
// naming its id in their own SeedUser.Groups.
type SeedGroup struct {
	ID                 string   `json:"id,omitempty"` // empty = a new GUID
	DisplayName        string   `json:"displayName"`
	IsAssignableToRole bool     `json:"isAssignableToRole,omitempty"`
	Roles              []string `json:"roles,omitempty"`         // active tenant-wide roles every member holds through the group
	EligibleRoles      []string `json:"eligibleRoles,omitempty"` // roles every member is eligible for (PIM) through the group
	Members            []string `json:"members,omitempty"`       // user ids or userPrincipalNames
}

// groupRec is a group as the emulator holds it; membership lives in userRec.groups.
type groupRec struct {
	id            string
	displayName   string
	assignable    bool
	roles         []string
	eligibleRoles []string
}

// checkGroup validates a group's own fields, as Entra would: only role-assignable groups can hold roles.
func checkGroup(sg SeedGroup) error {
	if strings.TrimSpace(sg.DisplayName) == "" {
		return errors.New("displayName is required")
	}
	if !sg.IsAssignableToRole && (len(sg.Roles) > 0 || len(sg.EligibleRoles) > 0) {
		return errors.New("roles and eligibleRoles need isAssignableToRole true: only role-assignable groups can hold directory roles")
	}
	for name, roles := range map[string][]string{"roles": sg.Roles, "eligibleRoles": sg.EligibleRoles} {
		for i, r := range roles {
			if strings.TrimSpace(r) == "" {
				return fmt.Errorf("%s[%d] must name a role", name, i)
			}
		}
	}
	return nil
}

// validateGroups checks the seed's groups and that their members are seed users.
func (s *Seed) validateGroups() error {
	known := map[string]bool{}
	for _, u := range s.Users {
		known[strings.ToLower(strings.TrimSpace(u.UserPrincipalName))] = true
		if id := strings.ToLower(strings.TrimSpace(u.ID)); id != "" {
			known[id] = true
		}
	}
	ids := map[string]int{}
	for i, g := range s.Groups {
		if err := checkGroup(g); err != nil {
			return fmt.Errorf("groups[%d]: %w", i, err)
		}
		if id := strings.ToLower(strings.TrimSpace(g.ID)); id != "" {
			if j, dup := ids[id]; dup {
				return fmt.Errorf("groups[%d]: id %q duplicates groups[%d]", i, g.ID, j)
			}
			ids[id] = i
		}
		for k, m := range g.Members {
			if !known[strings.ToLower(strings.TrimSpace(m))] {
				return fmt.Errorf("groups[%d].members[%d]: no user %q in the seed", i, k, m)
			}
		}
	}
	return nil
}

// addGroup validates sg, adds the group and makes its members members, recording them for the groups delta;
// it returns the new group.
func (s *state) addGroup(sg SeedGroup, now time.Time) (*groupRec, error) {
	if err := checkGroup(sg); err != nil {
		return nil, err
	}
	id := strings.ToLower(strings.TrimSpace(sg.ID))
	if id == "" {
		id = newGUID()
	}
	if s.findGroup(id) != nil || s.findContact(id) != nil {
		return nil, fmt.Errorf("id %q is already in use", id)
	}
	members := make([]*userRec, 0, len(sg.Members))
	for i, ref := range sg.Members {
		u := s.findUser(strings.TrimSpace(ref))
		if u == nil {
			return nil, fmt.Errorf("members[%d]: no user %q in the directory", i, ref)
		}
		members = append(members, u)
	}
	g := &groupRec{id: id, displayName: sg.DisplayName, assignable: sg.IsAssignableToRole,
		roles: slices.Clone(sg.Roles), eligibleRoles: slices.Clone(sg.EligibleRoles)}
	s.groups = append(s.groups, g)
	for _, u := range members {
		if !slices.ContainsFunc(u.groups, func(x string) bool { return strings.EqualFold(x, id) }) {
			u.groups = append(u.groups, id)
		}
	}
	s.trackGroups(now)
	return g, nil
}

// findGroup returns the group with the given id (case-insensitively), or nil.
func (s *state) findGroup(id string) *groupRec {
	for _, g := range s.groups {
		if strings.EqualFold(g.id, id) {
			return g
		}
	}
	return nil
}

// groupsOf returns the groups u is a member of that the emulator holds (plain group ids have no record).
func (s *state) groupsOf(u *userRec) []*groupRec {
	var out []*groupRec
	for _, id := range u.groups {
		if g := s.findGroup(id); g != nil && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// membersOf returns the members of g, in directory order.
func (s *state) membersOf(g *groupRec) []*userRec {
	var out []*userRec
	for _, u := range s.users {
		if slices.ContainsFunc(u.groups, func(x string) bool { return strings.EqualFold(x, g.id) }) {
			out = append(out, u)
		}
	}
	return out
}

// object renders g as a #microsoft.graph.group in memberOf and transitiveMemberOf.
func (g *groupRec) object() map[string]any {
	o := groupObject(g.id)
	o["displayName"] = g.displayName
	o["isAssignableToRole"] = g.assignable
	return o
}

// groupView renders g as the control API shows it; e.mu must be held.
func (e *Emulator) groupView(g *groupRec) map[string]any {
	members := []string{}
	for _, u := range e.st.membersOf(g) {
		members = append(members, u.id)
	}
	return map[string]any{
		"id": g.id, "displayName": g.displayName, "isAssignableToRole": g.assignable,
		"roles": append([]string{}, g.roles...), "eligibleRoles": append([]string{}, g.eligibleRoles...),
		"members": members,
	}
}

// listGroupsCtl serves GET /_emulator/groups.
func (e *Emulator) listGroupsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := make([]map[string]any, 0, len(e.st.groups))
	for _, g := range e.st.groups {
		out = append(out, e.groupView(g))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// addGroupCtl serves POST /_emulator/groups.
func (e *Emulator) addGroupCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var sg SeedGroup
	if err := strictDecode(r, &sg); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid group: "+err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, err := e.st.addGroup(sg, e.now().UTC())
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, e.groupView(g))
}
