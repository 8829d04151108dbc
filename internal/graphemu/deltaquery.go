package graphemu

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// defaultDeltaPage is the users delta page size without $top. Graph documents $top as not supported for
// users delta and pages users delta by up to 200 objects; the emulator takes $top as a page size so that
// tests can page through a small directory.
const defaultDeltaPage = 200

// codeSyncStateNotFound and msgSyncStateNotFound are Graph's answer to an expired delta token of a directory
// object (https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/).
const (
	codeSyncStateNotFound = "syncStateNotFound"
	msgSyncStateNotFound  = "The sync state generation is not found. The delta token is expired and data must be synchronized again."
)

// deltaRoutes lists the users and groups delta functions under their short and fully qualified names
// (msgraph-sdk-go calls users/delta() and groups/delta()). They must come before users/*.
func (e *Emulator) deltaRoutes() []route {
	users := map[string]handlerFunc{http.MethodGet: e.usersDelta}
	groups := map[string]handlerFunc{http.MethodGet: e.groupsDelta}
	var out []route
	for _, name := range deltaFunctionNames() {
		out = append(out, newRoute("users/"+name, users), newRoute("groups/"+name, groups))
	}
	return out
}

// deltaFunctionNames are the spellings of the delta function Graph answers.
func deltaFunctionNames() []string {
	return []string{"delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()"}
}

// usersDelta serves GET /users/delta: a round of every user, then the changes since a $deltatoken.
func (e *Emulator) usersDelta(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	for _, opt := range []string{"$filter", "$expand", "$orderby", "$search", "$count", "$skip"} {
		if q.Has(opt) {
			writeError(w, r, http.StatusBadRequest, codeBadRequest,
				"The query option '"+opt+"' is not supported by the emulator's users delta: use $select, $top and the links it returns.")
			return
		}
	}
	sel, bad := canonicalSelect(parseSelect(r))
	if bad != "" {
		writeUnknownProperty(w, r, bad)
		return
	}
	top, msg := deltaTop(q.Get("$top"))
	if msg != "" {
		writeError(w, r, http.StatusBadRequest, codeRequestBadRequest, msg)
		return
	}
	e.mu.Lock()
	tok, ok := e.deltaRoundLocked(q, deltaToken{Res: deltaUsers, Sel: sel, Top: top})
	var body map[string]any
	if ok {
		body = e.deltaPageLocked(r, tok, preferMinimal(r))
	}
	e.mu.Unlock()
	if !ok {
		writeError(w, r, http.StatusBadRequest, codeSyncStateNotFound, msgSyncStateNotFound)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// deltaRoundLocked works out the page a request of delta query want.Res asks for: the next page of a
// $skiptoken, the changes since a $deltatoken ("latest": none, from now on) or, without either, the initial
// round. want carries the request's $select, $top and (groups) $filter; given with a $deltatoken they replace
// the ones it carries, with a $skiptoken they are ignored, as Graph does not support them there. ok is false
// for a token the emulator did not issue, of the other delta query, or that expired. e.mu must be held.
func (e *Emulator) deltaRoundLocked(q url.Values, want deltaToken) (deltaToken, bool) {
	d, now := e.st.delta, e.now()
	if raw := q.Get("$skiptoken"); raw != "" {
		return d.open(raw, want.Res, "s", now)
	}
	t := deltaToken{Res: want.Res, Kind: "s", Upto: d.seq, Sel: want.Sel, IDs: want.IDs, Top: cmp.Or(want.Top, defaultDeltaPage)}
	switch raw := q.Get("$deltatoken"); {
	case raw == "":
		t.Full = true
	case strings.EqualFold(raw, "latest"):
		t.Since, t.After = d.seq, d.seq
	default:
		prev, ok := d.open(raw, want.Res, "d", now)
		if !ok {
			return t, false
		}
		t.Since, t.After = prev.Since, prev.Since
		if want.Sel == nil {
			t.Sel = prev.Sel
		}
		if want.IDs == nil {
			t.IDs = prev.IDs
		}
		t.Top = cmp.Or(want.Top, prev.Top)
	}
	return t, true
}

// deltaItem is one entry of a delta page: a user, or a removed user when user is nil.
type deltaItem struct {
	seq  uint64
	user *userRec
	gone tombstone
}

// deltaItemsLocked lists what round t still has to serve, in change order: the users whose last relevant
// change falls in (t.After, t.Upto], and, after the initial round, the users removed in that window.
func (s *state) deltaItemsLocked(t deltaToken) []deltaItem {
	var out []deltaItem
	for _, u := range s.users {
		if seq := u.relevantSeq(t.Sel); seq > t.After && seq <= t.Upto {
			out = append(out, deltaItem{seq: seq, user: u})
		}
	}
	if !t.Full {
		for _, g := range s.delta.removed {
			if g.seq > t.After && g.seq <= t.Upto {
				out = append(out, deltaItem{seq: g.seq, gone: g})
			}
		}
	}
	slices.SortFunc(out, func(a, b deltaItem) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// deltaPageLocked renders one page of round t with its @odata.nextLink, or its @odata.deltaLink when the round
// is complete (never both). e.mu must be held.
func (e *Emulator) deltaPageLocked(r *http.Request, t deltaToken, minimal bool) map[string]any {
	items := e.st.deltaItemsLocked(t)
	more := len(items) > t.Top
	if more {
		items = items[:t.Top]
	}
	value := make([]map[string]any, 0, len(items))
	for _, it := range items {
		value = append(value, it.render(t, minimal))
	}
	body := map[string]any{"@odata.context": deltaContext(r, "users", t.Sel), "value": value}
	var next *deltaToken
	if more {
		n := t
		n.After = items[len(items)-1].seq
		next = &n
	}
	e.linkDeltaPage(r, body, t, next)
	return body
}

// linkDeltaPage adds to the body of a page of round t its @odata.nextLink, to next (a $skiptoken resuming
// where the page ends), or, when next is nil, its @odata.deltaLink: a $deltatoken for the changes after the
// round. e.mu must be held.
func (e *Emulator) linkDeltaPage(r *http.Request, body map[string]any, t deltaToken, next *deltaToken) {
	root, now := baseURL(r)+"/users/delta", e.now().Unix()
	if t.Res == deltaGroups {
		root = baseURL(r) + "/groups/delta"
	}
	if next != nil {
		next.At = now
		body["@odata.nextLink"] = root + "?$skiptoken=" + e.st.delta.seal(*next)
		return
	}
	link := deltaToken{Res: t.Res, Kind: "d", Since: t.Upto, Sel: t.Sel, IDs: t.IDs, Top: t.Top, At: now}
	body["@odata.deltaLink"] = root + "?$deltatoken=" + e.st.delta.seal(link)
}

// render writes a delta entry as Graph does. A removed user is its id and "@removed". A user of the initial
// round, or created since the round's $deltatoken, has every selected property. A changed user has, by
// default, every selected property except those never set (null and never changed); with Prefer:
// return=minimal, only the properties changed since the $deltatoken. The id is always there.
func (it deltaItem) render(t deltaToken, minimal bool) map[string]any {
	if it.user == nil {
		return map[string]any{"id": it.gone.id, "@removed": map[string]any{"reason": it.gone.reason}}
	}
	u := it.user
	props := t.Sel
	if props == nil {
		props = defaultUserProps()
	}
	fresh := t.Full || u.track.created > t.Since
	out := map[string]any{"id": u.id}
	for _, p := range props {
		name, v, _ := userProp(u, p)
		changedAt, ever := u.track.changed[name]
		switch {
		case fresh:
			out[name] = v
		case minimal:
			if changedAt > t.Since {
				out[name] = v
			}
		case v != nil || ever:
			out[name] = v
		}
	}
	return out
}

// canonicalSelect spells each $select property as the user type does, without duplicates; bad names one the
// type lacks. A nil list stays nil (no $select).
func canonicalSelect(sel []string) (out []string, bad string) {
	if sel == nil {
		return nil, ""
	}
	out = []string{}
	for _, p := range sel {
		name, _, ok := userProp(&userRec{}, p)
		if !ok {
			return nil, p
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, ""
}

// deltaTop reads $top as a page size from 1 to 999 (0 when absent); msg is the 400 message.
func deltaTop(raw string) (int, string) {
	if raw == "" {
		return 0, ""
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 999 {
		return 0, "Invalid page size specified: '" + raw + "'. Must be between 1 and 999 inclusive."
	}
	return n, ""
}

// preferMinimal reports whether the request carries "Prefer: return=minimal".
func preferMinimal(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(p), " ", ""), "return=minimal") {
				return true
			}
		}
	}
	return false
}

// deltaContext is a delta page's @odata.context: the entity set, with the $select it tracks.
func deltaContext(r *http.Request, entity string, sel []string) string {
	ctx := baseURL(r) + "/$metadata#" + entity
	if sel != nil {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	return ctx
}
