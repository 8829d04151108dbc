package graphemu

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// groupTrack is a group's history for the groups delta query. The groups are those of the control API and
// every group id a user names in its groups (an implicit group, such as the demo directory's, named by its id);
// an implicit group nobody names any more stays, empty, until DELETE /_emulator/groups/{id}.
type groupTrack struct {
	id         string
	name       string // displayName
	assignable bool   // isAssignableToRole
	created    uint64 // the sequence number of its creation
	nameSeq    uint64 // the last change of its displayName, its creation included
	members    map[string]memberMark
	removed    *tombstone // set once the group is deleted
}

// memberMark is the last membership change of a user in a group: it joined (present) or left.
type memberMark struct {
	id      string // the user's id
	seq     uint64
	present bool
	at      time.Time // when it left
}

// groupNow is a group as the directory holds it now, to compare with its track.
type groupNow struct {
	id         string
	name       string // "" for an implicit group: its id
	assignable bool
	members    map[string]string // lower-cased user id -> user id
}

// currentGroups lists the directory's groups now, by lower-cased id: the control API's, then the implicit
// ones users name.
func (s *state) currentGroups() map[string]*groupNow {
	out := map[string]*groupNow{}
	for _, g := range s.groups {
		out[strings.ToLower(g.id)] = &groupNow{id: g.id, name: g.displayName, assignable: g.assignable, members: map[string]string{}}
	}
	for _, u := range s.users {
		for _, id := range u.groups {
			g := out[strings.ToLower(id)]
			if g == nil {
				g = &groupNow{id: id, members: map[string]string{}}
				out[strings.ToLower(id)] = g
			}
			g.members[strings.ToLower(u.id)] = u.id
		}
	}
	return out
}

// trackGroups compares the directory's groups with their tracks and records what changed under one new
// sequence number: groups created, displayNames changed, members who joined or left. Nothing is recorded
// when nothing changed; removals older than any valid token are forgotten. Every change of membership calls
// it: a user created, changed or deleted, a group created or deleted, a member added or removed.
func (s *state) trackGroups(now time.Time) {
	d, cur := s.delta, s.currentGroups()
	var seq uint64
	next := func() uint64 {
		if seq == 0 {
			d.seq++
			seq = d.seq
		}
		return seq
	}
	keys := slices.Sorted(maps.Keys(cur))
	for k, tr := range d.groups {
		if _, ok := cur[k]; !ok && tr.removed == nil {
			keys = append(keys, k) // a live group nobody is a member of any more
		}
	}
	for _, k := range keys {
		g, tr := cur[k], d.groups[k]
		if g == nil {
			g = &groupNow{members: map[string]string{}}
		}
		if tr == nil || tr.removed != nil {
			tr = &groupTrack{id: g.id, assignable: g.assignable, members: map[string]memberMark{}}
			tr.created, tr.nameSeq = next(), next()
			d.groups[k] = tr
		}
		tr.assignable = g.assignable
		if name := groupName(g.name, tr.id); name != tr.name {
			tr.name, tr.nameSeq = name, next()
		}
		tr.diffMembers(g.members, next, now)
	}
	d.pruneGroups(now)
}

// groupName is a group's displayName: its own, or its id for an implicit group.
func groupName(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// diffMembers records the users who joined (in members now, not in tr) and left (the other way round).
func (tr *groupTrack) diffMembers(members map[string]string, next func() uint64, now time.Time) {
	for k, id := range members {
		if !tr.members[k].present {
			tr.members[k] = memberMark{id: id, seq: next(), present: true}
		}
	}
	for k, m := range tr.members {
		if _, ok := members[k]; m.present && !ok {
			tr.members[k] = memberMark{id: m.id, seq: next(), at: now}
		}
	}
}

// pruneGroups forgets members who left, and groups deleted, longer ago than any valid token.
func (d *deltaLog) pruneGroups(now time.Time) {
	for k, tr := range d.groups {
		if tr.removed != nil && now.Sub(tr.removed.at) > deltaTokenLifetime {
			delete(d.groups, k)
			continue
		}
		maps.DeleteFunc(tr.members, func(_ string, m memberMark) bool {
			return !m.present && now.Sub(m.at) > deltaTokenLifetime
		})
	}
}

// liveGroup returns the track of the group with the given id (case-insensitively) when the directory holds
// it, or nil.
func (s *state) liveGroup(id string) *groupTrack {
	if tr := s.delta.groups[strings.ToLower(id)]; tr != nil && tr.removed == nil {
		return tr
	}
	return nil
}

// removeGroup deletes the group tr from the directory: its record and every membership in it. The groups
// delta reports it removed with reason.
func (s *state) removeGroup(tr *groupTrack, reason string, now time.Time) {
	s.groups = slices.DeleteFunc(s.groups, func(g *groupRec) bool { return strings.EqualFold(g.id, tr.id) })
	for _, u := range s.users {
		u.groups = slices.DeleteFunc(u.groups, func(id string) bool { return strings.EqualFold(id, tr.id) })
	}
	s.delta.seq++
	tr.removed = &tombstone{id: tr.id, reason: reason, seq: s.delta.seq, at: now}
	tr.members = map[string]memberMark{}
	s.trackGroups(now)
}

// changedIn reports whether round t lists the live group tr: in the initial round, every group created before
// the round began; afterwards, a group created in the round's window (Since, Upto], or with a change of a
// selected property or membership in it. A group whose only changes come after the window is left to the next
// round, which lists it with every change since this round's token, so nothing is lost.
func (tr *groupTrack) changedIn(t deltaToken) bool {
	in := func(seq uint64) bool { return seq > t.Since && seq <= t.Upto }
	switch {
	case tr.created > t.Upto:
		return false
	case t.Full || in(tr.created):
		return true
	case selects(t.Sel, "displayName") && in(tr.nameSeq):
		return true
	case selects(t.Sel, "members"):
		for _, m := range tr.members {
			if in(m.seq) {
				return true
			}
		}
	}
	return false
}

// selects reports whether a canonical $select (nil: the default properties, members included) has prop.
func selects(sel []string, prop string) bool {
	return sel == nil || slices.Contains(sel, prop)
}
