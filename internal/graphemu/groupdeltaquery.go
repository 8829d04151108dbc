package graphemu

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxDeltaFilterIDs is how many groups one groups delta query may filter on
// (https://learn.microsoft.com/graph/api/group-delta: "There is a limit of 50 filtered objects").
const maxDeltaFilterIDs = 50

// Messages of the groups delta's 400 answers; none repeats a value of the request.
const (
	msgGroupDeltaFilter   = "Unsupported $filter: the groups delta takes only id eq '…' clauses joined by or."
	msgGroupDeltaTooMany  = "Too many ids in $filter: the groups delta tracks at most 50 groups."
	msgGroupDeltaSelect   = "Could not find a $select property on type 'microsoft.graph.group': the emulator's groups delta knows id, displayName, isAssignableToRole, securityEnabled, mailEnabled and members."
	msgGroupDeltaExpand   = "The groups delta expands only members."
	msgGroupDeltaNoOption = "is not supported by the emulator's groups delta: use $select, $filter on ids, $top and the links it returns."
)

// groupDeltaProps are the group properties the groups delta selects, as the group type spells them; without
// $select, all of them but id.
func groupDeltaProps() []string {
	return []string{"id", "displayName", "isAssignableToRole", "securityEnabled", "mailEnabled", "members"}
}

// groupsDelta serves GET /groups/delta: a round of every group with its members, then the groups created,
// changed or removed and the members added or removed since a $deltatoken.
func (e *Emulator) groupsDelta(w http.ResponseWriter, r *http.Request, _ []string) {
	want, msg := groupDeltaRequest(r.URL.Query())
	if msg != "" {
		writeError(w, r, http.StatusBadRequest, codeRequestBadRequest, msg)
		return
	}
	e.mu.Lock()
	tok, ok := e.deltaRoundLocked(r.URL.Query(), want)
	var body map[string]any
	if ok {
		body = e.groupDeltaPageLocked(r, tok, preferMinimal(r))
	}
	e.mu.Unlock()
	if !ok {
		writeError(w, r, http.StatusBadRequest, codeSyncStateNotFound, msgSyncStateNotFound)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// groupDeltaRequest reads the query options of a groups delta request into the round it asks for (Res, Sel,
// IDs, Top); msg is the 400 message of an option the emulator does not take.
func groupDeltaRequest(q url.Values) (deltaToken, string) {
	want := deltaToken{Res: deltaGroups}
	for _, opt := range []string{"$orderby", "$search", "$count", "$skip"} {
		if q.Has(opt) {
			return want, "The query option '" + opt + "' " + msgGroupDeltaNoOption
		}
	}
	var raw []string
	for _, f := range strings.Split(q.Get("$select"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			raw = append(raw, f)
		}
	}
	switch x := strings.TrimSpace(q.Get("$expand")); {
	case strings.EqualFold(x, "members"):
		if raw != nil {
			raw = append(raw, "members")
		}
	case x != "":
		return want, msgGroupDeltaExpand
	}
	var ok bool
	if want.Sel, ok = canonicalGroupSelect(raw); !ok {
		return want, msgGroupDeltaSelect
	}
	var msg string
	if want.IDs, msg = parseIDFilter(q.Get("$filter")); msg != "" {
		return want, msg
	}
	want.Top, msg = deltaTop(q.Get("$top"))
	return want, msg
}

// canonicalGroupSelect spells each $select property as the group type does, without duplicates; ok is false
// for a name the emulator's groups lack. A nil list stays nil (no $select).
func canonicalGroupSelect(sel []string) (out []string, ok bool) {
	if sel == nil {
		return nil, true
	}
	out = []string{}
	for _, p := range sel {
		i := slices.IndexFunc(groupDeltaProps(), func(name string) bool { return strings.EqualFold(name, p) })
		if i < 0 {
			return nil, false
		}
		if name := groupDeltaProps()[i]; !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, true
}

// parseIDFilter reads $filter=id eq '…' or id eq '…' …: the lower-cased ids, without duplicates (nil without
// $filter); msg is the 400 message of any other filter or of more than maxDeltaFilterIDs ids.
func parseIDFilter(raw string) ([]string, string) {
	rest := strings.TrimSpace(raw)
	if rest == "" {
		return nil, ""
	}
	var ids []string
	for {
		id, after, ok := cutIDClause(rest)
		if !ok {
			return nil, msgGroupDeltaFilter
		}
		if id = strings.ToLower(id); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		if len(ids) > maxDeltaFilterIDs {
			return nil, msgGroupDeltaTooMany
		}
		if after = strings.TrimSpace(after); after == "" {
			return ids, ""
		}
		op, tail, found := strings.Cut(after, " ")
		if !found || !strings.EqualFold(op, "or") {
			return nil, msgGroupDeltaFilter
		}
		rest = strings.TrimSpace(tail)
	}
}

// cutIDClause reads one "id eq '…'" at the start of s (a doubled quote stands for one): the id and what follows.
func cutIDClause(s string) (id, rest string, ok bool) {
	fields := strings.Fields(s)
	if len(fields) < 3 || !strings.EqualFold(fields[0], "id") || !strings.EqualFold(fields[1], "eq") {
		return "", "", false
	}
	lit := strings.TrimSpace(s[len(fields[0]):])
	lit = strings.TrimSpace(lit[len(fields[1]):])
	if !strings.HasPrefix(lit, "'") {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(lit); i++ {
		if lit[i] != '\'' {
			b.WriteByte(lit[i])
			continue
		}
		if i+1 < len(lit) && lit[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), lit[i+1:], b.Len() > 0
	}
	return "", "", false
}

// groupDeltaPageLocked renders one page of groups delta round t, in id order, with its @odata.nextLink or
// @odata.deltaLink. e.mu must be held.
func (e *Emulator) groupDeltaPageLocked(r *http.Request, t deltaToken, minimal bool) map[string]any {
	items := e.st.groupDeltaItemsLocked(t)
	more := len(items) > t.Top
	if more {
		items = items[:t.Top]
	}
	value := make([]map[string]any, 0, len(items))
	for _, tr := range items {
		value = append(value, tr.render(t, minimal))
	}
	body := map[string]any{"@odata.context": deltaContext(r, "groups", t.Sel), "value": value}
	var next *deltaToken
	if more {
		n := t
		n.Cur = strings.ToLower(items[len(items)-1].id)
		next = &n
	}
	e.linkDeltaPage(r, body, t, next)
	return body
}

// groupDeltaItemsLocked lists, in id order, the groups round t still has to serve after t.Cur: the live groups
// it lists (groupTrack.changedIn) and, after the initial round, the groups removed in its window.
func (s *state) groupDeltaItemsLocked(t deltaToken) []*groupTrack {
	var out []*groupTrack
	for k, tr := range s.delta.groups {
		if t.Cur != "" && k <= t.Cur || t.IDs != nil && !slices.Contains(t.IDs, k) {
			continue
		}
		switch {
		case tr.removed != nil:
			if !t.Full && tr.removed.seq > t.Since && tr.removed.seq <= t.Upto {
				out = append(out, tr)
			}
		case tr.changedIn(t):
			out = append(out, tr)
		}
	}
	slices.SortFunc(out, func(a, b *groupTrack) int { return cmp.Compare(strings.ToLower(a.id), strings.ToLower(b.id)) })
	return out
}

// render writes a group of round t as Graph does. A removed group is its id and "@removed". A group of the
// initial round, or created since the round's $deltatoken, has every selected property and, when members is
// selected, members@delta listing every member. A changed group has, by default, every selected property
// (with Prefer: return=minimal, only a displayName changed since the $deltatoken) and members@delta listing
// the members added or removed since. members@delta is left out when it would be empty.
func (tr *groupTrack) render(t deltaToken, minimal bool) map[string]any {
	if tr.removed != nil {
		return map[string]any{"id": tr.id, "@removed": map[string]any{"reason": tr.removed.reason}}
	}
	fresh := t.Full || tr.created > t.Since
	out := map[string]any{"id": tr.id}
	values := map[string]any{"displayName": tr.name, "isAssignableToRole": tr.assignable,
		"securityEnabled": true, "mailEnabled": false}
	for p, v := range values {
		if selects(t.Sel, p) && (!minimal || fresh || p == "displayName" && tr.nameSeq > t.Since) {
			out[p] = v
		}
	}
	if selects(t.Sel, "members") {
		if m := tr.memberChanges(fresh, t.Since); len(m) > 0 {
			out["members@delta"] = m
		}
	}
	return out
}

// memberChanges lists members@delta: every current member when fresh, otherwise the members added or removed
// since the sequence number since, in the order of their changes.
func (tr *groupTrack) memberChanges(fresh bool, since uint64) []map[string]any {
	var marks []memberMark
	for _, m := range tr.members {
		if fresh && m.present || !fresh && m.seq > since {
			marks = append(marks, m)
		}
	}
	slices.SortFunc(marks, func(a, b memberMark) int { return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.id, b.id)) })
	out := make([]map[string]any, 0, len(marks))
	for _, m := range marks {
		o := map[string]any{"@odata.type": "#microsoft.graph.user", "id": m.id}
		if !m.present {
			o["@removed"] = map[string]any{"reason": removedDeleted}
		}
		out = append(out, o)
	}
	return out
}
