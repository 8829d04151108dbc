package graphemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxReportPage is the default and largest page of the reports collections.
const maxReportPage = 1000

// reportsWindow is the window of the reports throttle.
const reportsWindow = 10 * time.Second

// auditsCollection describes GET /auditLogs/directoryAudits.
func auditsCollection() reportCollection {
	return reportCollection{name: "directoryAudits", timeProp: "activityDateTime",
		strProps: []string{"activityDisplayName", "loggedByService", "category", "result", "correlationId", "id",
			"initiatedBy/app/appId", "initiatedBy/user/id", "initiatedBy/user/userPrincipalName"}}
}

// signInsCollection describes GET /auditLogs/signIns.
func signInsCollection() reportCollection {
	return reportCollection{name: "signIns", timeProp: "createdDateTime",
		strProps: []string{"userId", "userPrincipalName", "appId", "appDisplayName", "clientAppUsed", "correlationId",
			"id", "ipAddress"}}
}

// betaRoutes lists the Graph beta paths the emulator serves (relative to /beta): the sign-ins, whose
// authenticationDetails only beta returns, and the audits beside them.
func (e *Emulator) betaRoutes() []route {
	return []route{
		newRoute("auditLogs/directoryAudits", map[string]handlerFunc{http.MethodGet: e.listDirectoryAudits}),
		newRoute("auditLogs/signIns", map[string]handlerFunc{http.MethodGet: e.listSignIns}),
	}
}

// isBeta reports whether r is a Graph beta request.
func isBeta(r *http.Request) bool {
	return r.URL.Path == betaPrefix || strings.HasPrefix(r.URL.Path, betaPrefix+"/")
}

// reportQuery is the parsed query of a reports request.
type reportQuery struct {
	filter reportFilter
	top    int
	asc    bool
	after  *reportCursor // from $skiptoken
	sel    []string
}

// reportCursor is the position after the last entry of a page: its time and recording order.
type reportCursor struct {
	at  time.Time
	seq int64
}

// encode renders the cursor as an opaque $skiptoken.
func (c reportCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("c1:%d:%d", c.at.UnixNano(), c.seq)))
}

// decodeCursor reads a $skiptoken written by encode.
func decodeCursor(token string) (*reportCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	parts := strings.Split(string(raw), ":")
	if err != nil || len(parts) != 3 || parts[0] != "c1" {
		return nil, false
	}
	ns, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &reportCursor{at: time.Unix(0, ns).UTC(), seq: seq}, true
}

// parseReportQuery reads $filter, $top, $orderby, $skiptoken and $select; msg is the 400 message.
func parseReportQuery(r *http.Request, c reportCollection) (reportQuery, string) {
	q := r.URL.Query()
	out := reportQuery{top: maxReportPage, sel: parseSelect(r)}
	var msg string
	if out.filter, msg = parseReportFilter(q.Get("$filter"), c); msg != "" {
		return out, msg
	}
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxReportPage {
			return out, "Invalid $top: it must be an integer from 1 to " + strconv.Itoa(maxReportPage) + "."
		}
		out.top = n
	}
	switch ob := strings.Join(strings.Fields(strings.ToLower(q.Get("$orderby"))), " "); ob {
	case "", strings.ToLower(c.timeProp) + " desc":
	case strings.ToLower(c.timeProp), strings.ToLower(c.timeProp) + " asc":
		out.asc = true
	default:
		return out, "Invalid $orderby: " + c.name + " can be ordered only by " + c.timeProp + " asc or desc."
	}
	if v := q.Get("$skiptoken"); v != "" {
		cur, ok := decodeCursor(v)
		if !ok {
			return out, "Invalid $skiptoken: use the @odata.nextLink of the previous page as it is."
		}
		out.after = cur
	}
	return out, ""
}

// before reports whether a comes before b in the page order (newest first unless asc).
func (q reportQuery) before(a, b reportCursor) bool {
	if a.at.Equal(b.at) {
		return a.seq != b.seq && (a.seq < b.seq) == q.asc
	}
	return a.at.Before(b.at) == q.asc
}

// pageLocked returns the visible entries of list that q selects, in order, at most q.top of them, and whether
// more follow. e.mu must be held.
func (e *Emulator) pageLocked(list []*logEntry, q reportQuery) ([]*logEntry, bool) {
	now := e.now()
	var hits []*logEntry
	for _, le := range list {
		if e.st.logs.visibleAt(le).After(now) || !q.filter.matches(le) {
			continue
		}
		if q.after != nil && !q.before(*q.after, reportCursor{le.at, le.seq}) {
			continue
		}
		hits = append(hits, le)
	}
	slices.SortFunc(hits, func(a, b *logEntry) int {
		if q.before(reportCursor{a.at, a.seq}, reportCursor{b.at, b.seq}) {
			return -1
		}
		return 1
	})
	if len(hits) > q.top {
		return hits[:q.top], true
	}
	return hits, false
}

// listDirectoryAudits serves GET /auditLogs/directoryAudits.
func (e *Emulator) listDirectoryAudits(w http.ResponseWriter, r *http.Request, _ []string) {
	e.listReport(w, r, auditsCollection())
}

// listSignIns serves GET /auditLogs/signIns (v1.0 and beta).
func (e *Emulator) listSignIns(w http.ResponseWriter, r *http.Request, _ []string) {
	e.listReport(w, r, signInsCollection())
}

// listReport serves a page of collection c: throttled per app, filtered, newest first, only entries already
// ingested, with an @odata.nextLink when more follow.
func (e *Emulator) listReport(w http.ResponseWriter, r *http.Request, c reportCollection) {
	q, msg := parseReportQuery(r, c)
	e.mu.Lock()
	if wait, throttled := e.st.logs.throttle(throttleKey(r), e.now()); throttled {
		e.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		code, message := faultCode(http.StatusTooManyRequests)
		writeErrorExtra(w, r, http.StatusTooManyRequests, code, message, map[string]string{"code": "429", "status": "429"})
		return
	}
	if msg != "" {
		e.mu.Unlock()
		writeError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	list := e.st.logs.audits
	if c.name == signInsCollection().name {
		list = e.st.logs.signIns
	}
	page, more := e.pageLocked(list, q)
	e.mu.Unlock()
	value := make([]map[string]any, 0, len(page))
	for _, le := range page {
		body := cloneBody(le.body)
		if !isBeta(r) {
			delete(body, "authenticationDetails") // a beta-only property of signIn
		}
		sel, bad := selectProps(body, q.sel)
		if bad != "" {
			writeUnknownTypeProperty(w, r, bad, "microsoft.graph."+strings.TrimSuffix(c.name, "s"))
			return
		}
		value = append(value, sel)
	}
	root := reportRoot(r)
	out := map[string]any{"@odata.context": root + "/$metadata#auditLogs/" + c.name, "value": value}
	if more {
		last := page[len(page)-1]
		out["@odata.nextLink"] = reportNextLink(r, reportCursor{last.at, last.seq})
	}
	writeJSON(w, http.StatusOK, out)
}

// reportRoot is the absolute root (…/v1.0 or …/beta) of r.
func reportRoot(r *http.Request) string {
	if isBeta(r) {
		return strings.TrimSuffix(baseURL(r), graphPrefix) + betaPrefix
	}
	return baseURL(r)
}

// reportNextLink is r's absolute URL with its query options kept and $skiptoken set to after.
func reportNextLink(r *http.Request, after reportCursor) string {
	var parts []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); kv == "" || (err == nil && uk == "$skiptoken") {
			continue
		}
		parts = append(parts, strings.ReplaceAll(kv, " ", "%20"))
	}
	parts = append(parts, "$skiptoken="+after.encode())
	return strings.TrimSuffix(baseURL(r), graphPrefix) + r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}

// throttleKey names the app a reports request counts against: the token's app when it is a JWT, else the
// token itself (each static token is an app of its own).
func throttleKey(r *http.Request) string {
	if app := callerApp(r); app.appID != DefaultAppID {
		return "app:" + app.appID
	}
	sum := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	return "token:" + hex.EncodeToString(sum[:8])
}

// throttle counts a request of key at now; throttled, it says how long until one is allowed again.
func (b *logBook) throttle(key string, now time.Time) (wait time.Duration, throttled bool) {
	hits := b.hits[key]
	kept := hits[:0]
	for _, t := range hits {
		if now.Sub(t) < reportsWindow {
			kept = append(kept, t)
		}
	}
	b.hits[key] = kept
	if b.opts.ReportsPer10s > 0 && len(kept) >= b.opts.ReportsPer10s {
		return max(time.Second, kept[0].Add(reportsWindow).Sub(now)), true
	}
	b.hits[key] = append(kept, now)
	return 0, false
}
