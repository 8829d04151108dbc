package graphemu

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// deltaTokenLifetime is how long a users delta token stays valid: Graph's limit for directory objects
// (https://learn.microsoft.com/graph/delta-query-overview#token-duration).
const deltaTokenLifetime = 7 * 24 * time.Hour

// Reasons of a removed user in a delta response: "changed" is a deletion that deletedItems can still restore
// (what DELETE /users/{id} does), "deleted" one that cannot be undone.
const (
	removedChanged = "changed"
	removedDeleted = "deleted"
)

// deltaLog is the change history the users and groups delta queries read: a sequence number incremented by
// every creation, property change, membership change and deletion, the removed users, every group's history
// (groupdelta.go), and the key that signs delta tokens. A reset builds a new one, so tokens issued before a
// reset are refused.
type deltaLog struct {
	seq     uint64
	key     [32]byte
	removed []tombstone
	groups  map[string]*groupTrack // lower-cased group id -> its history
}

// Resources of a delta token: a token of one delta query is refused by the other.
const (
	deltaUsers  = "u"
	deltaGroups = "g"
)

// tombstone is a removed user or group as the delta query reports it.
type tombstone struct {
	id     string
	reason string // removedChanged or removedDeleted
	seq    uint64
	at     time.Time
}

// userTrack is a user's change history: when it was created and when each tracked property last changed.
type userTrack struct {
	seq     uint64            // the user's last change, its creation included
	created uint64            // the sequence number of its creation
	changed map[string]uint64 // canonical property name ("manager" for managerId) -> its last change
}

// newDeltaLog returns an empty history with a fresh signing key.
func newDeltaLog() *deltaLog {
	d := &deltaLog{groups: map[string]*groupTrack{}}
	_, _ = rand.Read(d.key[:]) // crypto/rand.Read never fails (it aborts the program instead)
	return d
}

// trackedUserProps are the user properties whose changes the delta query reports, with "manager" (managerId).
func trackedUserProps() []string {
	return []string{"displayName", "userPrincipalName", "mail", "preferredLanguage", "accountEnabled",
		"employeeId", "userType", "onPremisesExtensionAttributes", "department", "jobTitle",
		"employeeHireDate", "employeeLeaveDateTime", "manager"}
}

// snapshotUser renders every tracked property of u, to compare before and after a change.
func snapshotUser(u *userRec) map[string]string {
	out := map[string]string{"manager": strings.ToLower(u.managerRef)}
	for _, p := range trackedUserProps() {
		if name, v, ok := userProp(u, p); ok {
			b, _ := json.Marshal(v)
			out[name] = string(b)
		}
	}
	return out
}

// trackCreated gives a new user its creation sequence number and forgets an earlier removal of its id.
func (s *state) trackCreated(u *userRec) {
	s.delta.seq++
	u.track = userTrack{seq: s.delta.seq, created: s.delta.seq, changed: map[string]uint64{}}
	s.delta.removed = slices.DeleteFunc(s.delta.removed, func(t tombstone) bool { return t.id == u.id })
}

// trackChanges compares u with its snapshot before a change and records the properties that differ, all under
// one new sequence number; nothing is recorded when nothing changed.
func (s *state) trackChanges(u *userRec, before map[string]string) {
	after := snapshotUser(u)
	var changed []string
	for p, v := range after {
		if before[p] != v {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return
	}
	s.delta.seq++
	if u.track.changed == nil {
		u.track.changed = map[string]uint64{}
	}
	for _, p := range changed {
		u.track.changed[p] = s.delta.seq
	}
	u.track.seq = s.delta.seq
}

// removeUser deletes u from the directory and records its removal and the end of its memberships; removals
// older than any valid token are forgotten.
func (s *state) removeUser(u *userRec, reason string, now time.Time) {
	s.users = slices.DeleteFunc(s.users, func(x *userRec) bool { return x == u })
	s.delta.seq++
	s.delta.removed = slices.DeleteFunc(s.delta.removed, func(t tombstone) bool {
		return t.id == u.id || now.Sub(t.at) > deltaTokenLifetime
	})
	s.delta.removed = append(s.delta.removed, tombstone{id: u.id, reason: reason, seq: s.delta.seq, at: now})
	s.trackGroups(now)
}

// relevantSeq is the last change of u that a round selecting sel reports: its creation, or the last change of
// a selected property; with no $select (sel nil), any tracked change.
func (u *userRec) relevantSeq(sel []string) uint64 {
	if sel == nil {
		return u.track.seq
	}
	seq := u.track.created
	for _, p := range sel {
		seq = max(seq, u.track.changed[p])
	}
	return seq
}

// deltaToken is the state a $skiptoken or $deltatoken carries, signed so that the emulator knows its own.
type deltaToken struct {
	Res   string   `json:"r"`           // deltaUsers or deltaGroups
	Kind  string   `json:"k"`           // "s" for a $skiptoken, "d" for a $deltatoken
	Full  bool     `json:"f,omitempty"` // the initial round: every current user, no removals
	Since uint64   `json:"s,omitempty"` // changes after this sequence number; a $deltatoken's position
	Upto  uint64   `json:"u,omitempty"` // the round's end: the position its deltaLink will carry
	After uint64   `json:"a,omitempty"` // users: the last change already served in this round
	Cur   string   `json:"c,omitempty"` // groups: the last group (lower-cased id) already served in this round
	IDs   []string `json:"g,omitempty"` // groups: the lower-cased ids of $filter; nil: every group
	Sel   []string `json:"p,omitempty"` // canonical $select; nil: the default properties, every change tracked
	Top   int      `json:"t"`           // page size
	At    int64    `json:"i"`           // when the token was issued, Unix seconds
}

// seal encodes t as an opaque, URL-safe token signed with the log's key.
func (d *deltaLog) seal(t deltaToken) string {
	body, _ := json.Marshal(t)
	mac := hmac.New(sha256.New, d.key[:])
	mac.Write(body)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(mac.Sum(nil)[:16])
}

// open decodes a token sealed by this log, of the given resource and kind and issued no longer than
// deltaTokenLifetime before now; ok is false for anything else.
func (d *deltaLog) open(raw, res, kind string, now time.Time) (deltaToken, bool) {
	var t deltaToken
	enc := base64.RawURLEncoding
	b64Body, b64Sum, found := strings.Cut(raw, ".")
	body, err1 := enc.DecodeString(b64Body)
	sum, err2 := enc.DecodeString(b64Sum)
	if !found || err1 != nil || err2 != nil {
		return t, false
	}
	mac := hmac.New(sha256.New, d.key[:])
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)[:16]) || json.Unmarshal(body, &t) != nil || t.Kind != kind || t.Res != res {
		return t, false
	}
	if now.Sub(time.Unix(t.At, 0)) > deltaTokenLifetime || t.Top < 1 {
		return t, false
	}
	return t, true
}
