package graphemu

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// userRec is a directory user as the emulator holds it.
type userRec struct {
	id                string
	upn               string
	displayName       string
	mail              string
	employeeID        string
	managerRef        string
	preferredLanguage string
	department        string
	jobTitle          string
	hireDate          time.Time // employeeHireDate; zero = null
	leaveDate         time.Time // employeeLeaveDateTime; zero = null
	userType          string    // "Member" or "Guest"
	accountEnabled    bool
	roles             []string             // active, tenant-wide (directoryRoles)
	eligibleRoles     []string             // PIM-eligible, tenant-wide
	scopedRoles       []ScopedRole         // active, scoped to an administrative unit
	extAttrs          [extAttrCount]string // onPremisesExtensionAttributes; "" = null
	groups            []string             // ids of the groups the user is a direct member of
	methods           []map[string]any
	createdAt         time.Time
	tap               *tapRec
	issued            []string
	revokedAt         *time.Time
	track             userTrack // change tracking for the users delta query (delta.go)
}

// tapRec is a user's current Temporary Access Pass; pass never leaves the emulator
// except in the creating POST's response and the control API's issuedPasses.
type tapRec struct {
	id         string
	pass       string
	created    time.Time
	start      time.Time
	lifetime   int
	usableOnce bool
	used       bool
}

// requestRecord is one served Graph request, without bodies or header values.
type requestRecord struct {
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	Query            string    `json:"query"`
	Status           int       `json:"status"`
	Time             time.Time `json:"time"`
	UserAgent        string    `json:"userAgent"`
	HasAuthorization bool      `json:"hasAuthorization"`
	Batched          bool      `json:"batched"` // a sub-request of a POST /v1.0/$batch
}

// state is everything the emulator keeps; guarded by Emulator.mu.
type state struct {
	users    []*userRec
	groups   []*groupRec
	contacts []*contactRec
	domains  []Domain
	policy   TAPPolicy
	mail     []mailMessage             // every message sent with sendMail
	outbox   []any                     // outboxMail and outboxWebhook entries, newest last (outbox.go)
	hookKey  *standardwebhooks.Webhook // PUT /_emulator/webhook's secret; nil: deliveries are not verified
	requests []*requestRecord
	faults   []*faultRule
	denied   map[string]bool // permissions taken away with PUT /_emulator/permissions; nil: all granted
	logs     *logBook        // directoryAudit and signIn entries, their settings and the reports throttle (logs.go)
	delta    *deltaLog       // change sequence, removed users and the token key of the users delta query (delta.go)
}

// buildState creates a fresh state from the emulator's normalized seed.
func (e *Emulator) buildState() *state {
	st := &state{policy: clonePolicy(DefaultPolicy()), logs: newLogBook(e.logOpts), delta: newDeltaLog()}
	if e.seed.Policy != nil {
		st.policy = clonePolicy(*e.seed.Policy)
	}
	for i, su := range e.seed.Users {
		if _, err := st.addUser(su, e.created); err != nil {
			e.log.Warn("graphemu: skipping seed user", "index", i, "error", err)
		}
	}
	for i, sg := range e.seed.Groups {
		if _, err := st.addGroup(sg, e.created); err != nil {
			e.log.Warn("graphemu: skipping seed group", "index", i, "error", err)
		}
	}
	for i, sc := range e.seed.Contacts {
		if _, err := st.addContact(sc); err != nil {
			e.log.Warn("graphemu: skipping seed contact", "index", i, "error", err)
		}
	}
	st.domains = DefaultDomains()
	if e.seed.Domains != nil {
		st.domains = cloneDomains(e.seed.Domains)
	}
	return st
}

// findUser returns the user whose id or userPrincipalName equals ref (case-insensitively).
func (s *state) findUser(ref string) *userRec {
	for _, u := range s.users {
		if strings.EqualFold(u.id, ref) || strings.EqualFold(u.upn, ref) {
			return u
		}
	}
	return nil
}

// managerOf returns u's manager when it is a user, or nil when it has none, it does not exist or it is an
// organizational contact (see contactManagerOf).
func (s *state) managerOf(u *userRec) *userRec {
	if u.managerRef == "" {
		return nil
	}
	m := s.findUser(u.managerRef)
	if m == u {
		return nil
	}
	return m
}

// addUser validates su and adds it; it returns the new user.
func (s *state) addUser(su SeedUser, now time.Time) (*userRec, error) {
	upn := strings.TrimSpace(su.UserPrincipalName)
	if upn == "" {
		return nil, fmt.Errorf("userPrincipalName is required")
	}
	if !strings.Contains(upn, "@") {
		return nil, fmt.Errorf("userPrincipalName %q must contain '@'", upn)
	}
	extras, err := checkUserExtras(su)
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(strings.TrimSpace(su.ID))
	if id == "" {
		id = newGUID()
	}
	for _, u := range s.users {
		if strings.EqualFold(u.upn, upn) {
			return nil, fmt.Errorf("userPrincipalName %q is already in use", upn)
		}
		if u.id == id {
			return nil, fmt.Errorf("id %q is already in use", id)
		}
	}
	u := &userRec{
		id: id, upn: upn, displayName: su.DisplayName, mail: su.Mail,
		employeeID: su.EmployeeID, managerRef: su.ManagerID, preferredLanguage: su.PreferredLanguage,
		department: su.Department, jobTitle: su.JobTitle, hireDate: extras.hireDate, leaveDate: extras.leaveDate,
		userType: extras.userType, accountEnabled: su.AccountEnabled == nil || *su.AccountEnabled,
		roles: slices.Clone(su.DirectoryRoles), eligibleRoles: slices.Clone(su.EligibleRoles),
		scopedRoles: slices.Clone(su.ScopedRoles), extAttrs: extras.extAttrs, groups: slices.Clone(su.Groups),
		methods: []map[string]any{}, createdAt: now,
	}
	for i, m := range su.Methods {
		nm, err := normalizeMethod(m, now)
		if err != nil {
			return nil, fmt.Errorf("methods[%d]: %w", i, err)
		}
		u.methods = append(u.methods, nm)
	}
	s.users = append(s.users, u)
	s.trackCreated(u)
	s.trackGroups(now)
	return u, nil
}

// inScope reports whether policy p lets u hold a TAP.
func (p TAPPolicy) inScope(u *userRec) bool {
	matches := func(t Target) bool {
		if t.TargetType == "user" {
			return strings.EqualFold(t.ID, u.id)
		}
		return t.ID == allUsersTarget || slices.ContainsFunc(u.groups, func(g string) bool { return strings.EqualFold(g, t.ID) })
	}
	if slices.ContainsFunc(p.ExcludeTargets, matches) {
		return false
	}
	return slices.ContainsFunc(p.IncludeTargets, matches)
}

// usability returns whether t is usable for u at now under policy p, and why.
func (t *tapRec) usability(p TAPPolicy, u *userRec, now time.Time) (bool, string) {
	switch {
	case p.State != "enabled" || !p.inScope(u):
		return false, "DisabledByPolicy"
	case t.used:
		return false, "OneTimeUsed"
	case now.Before(t.start):
		return false, "NotYetValid"
	case !now.Before(t.start.Add(time.Duration(t.lifetime) * time.Minute)):
		return false, "Expired"
	default:
		return true, "EnabledByPolicy"
	}
}

// newGUID returns a random lowercase version-4 UUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the program instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// stableGUID derives a fixed UUID (version-5 layout) from a name.
func stableGUID(name string) string {
	sum := sha1.Sum([]byte("graphemu:" + name))
	var b [16]byte
	copy(b[:], sum[:16])
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// formatGUID formats 16 bytes as a lowercase GUID.
func formatGUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// fmtTime formats t as RFC 3339 in UTC.
func fmtTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// lockUser locks the emulator and finds the user a request names; when there is none it answers Graph's
// not-found error, unlocks and returns nil. The caller unlocks with the returned func.
func (e *Emulator) lockUser(w http.ResponseWriter, r *http.Request, id string) (*userRec, func()) {
	e.mu.Lock()
	u := e.st.findUser(id)
	if u == nil {
		e.mu.Unlock()
		writeNotFound(w, r, id)
		return nil, nil
	}
	return u, e.mu.Unlock
}
