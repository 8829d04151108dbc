// Package graphemu is an in-memory emulator of the Microsoft Graph v1.0 calls a
// Temporary Access Pass (TAP) onboarding worker makes, plus a control API
// (/_emulator/...) for tests and demos.
//
// It serves the same JSON shapes, status codes and headers as Graph, so that the
// real msgraph-sdk-go client can be pointed at it. Pass values are kept in memory
// only; they are never logged or written to disk.
package graphemu

import (
	"bufio"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// graphPrefix is the path prefix of the emulated Graph API.
const graphPrefix = "/v1.0"

// betaPrefix is the path prefix of the few Graph beta paths the emulator serves (betaRoutes).
const betaPrefix = "/beta"

// controlPrefix is the path prefix of the control API.
const controlPrefix = "/_emulator"

// maxRequestLog bounds the request log of a long-running emulator; the oldest entries go first.
const maxRequestLog = 10000

// Options configures an Emulator.
type Options struct {
	Now    func() time.Time // clock; nil = time.Now
	Logger *slog.Logger     // nil = discard
	Seed   *Seed            // initial directory; nil = empty directory with the default policy
	Logs   *LogOptions      // audit and sign-in logs: ingestion delay, reports throttling; nil = DefaultLogOptions()
}

// Emulator is an in-memory Microsoft Graph v1.0 emulator. It is safe for concurrent use.
type Emulator struct {
	now     func() time.Time
	log     *slog.Logger
	seed    *Seed     // normalized copy of Options.Seed, never mutated after New
	created time.Time // creation time of seeded users
	logOpts LogOptions

	mu sync.Mutex
	st *state

	graph   []route
	beta    []route
	control []route
}

// New returns an Emulator holding a copy of opts.Seed.
func New(opts Options) *Emulator {
	e := &Emulator{now: opts.Now, log: opts.Logger}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.created = e.now().UTC()
	e.logOpts = e.normalizeLogOptions(opts.Logs)
	seed, err := cloneSeed(opts.Seed)
	if err != nil {
		e.log.Error("graphemu: seed ignored", "error", err)
	}
	e.seed = e.normalizeSeed(seed)
	e.st = e.buildState()
	e.graph = e.graphRoutes()
	e.beta = e.betaRoutes()
	e.control = e.controlRoutes()
	return e
}

// normalizeSeed fixes ids of users, methods, groups and contacts once, so that a reset restores the same ids.
func (e *Emulator) normalizeSeed(s *Seed) *Seed {
	if s.Policy != nil {
		if err := validatePolicy(s.Policy); err != nil {
			e.log.Warn("graphemu: invalid seed policy, using the default", "error", err)
			s.Policy = nil
		}
	}
	if s.Domains != nil {
		domains, err := normalizeDomains(s.Domains)
		if err != nil {
			e.log.Warn("graphemu: invalid seed domains, using the default", "error", err)
		}
		s.Domains = domains
	}
	for i := range s.Groups {
		if s.Groups[i].ID == "" {
			s.Groups[i].ID = newGUID()
		}
	}
	for i := range s.Contacts {
		if s.Contacts[i].ID == "" {
			s.Contacts[i].ID = newGUID()
		}
	}
	for i := range s.Users {
		u := &s.Users[i]
		u.ID = strings.ToLower(strings.TrimSpace(u.ID))
		if u.ID == "" {
			u.ID = newGUID()
		}
		methods := u.Methods[:0]
		for k, m := range u.Methods {
			nm, err := normalizeMethod(m, e.created)
			if err != nil {
				e.log.Warn("graphemu: skipping seed method", "user", u.UserPrincipalName, "index", k, "error", err)
				continue
			}
			methods = append(methods, nm)
		}
		u.Methods = methods
	}
	return s
}

// Handler returns the HTTP handler serving /v1.0/... (Graph) and /_emulator/... (control).
func (e *Emulator) Handler() http.Handler {
	return http.HandlerFunc(e.serveHTTP)
}

// serveHTTP sets the correlation headers and sends the request to Graph or control.
func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ids := reqIDs{requestID: newGUID(), clientRequestID: r.Header.Get("client-request-id"), date: e.now()}
	if ids.clientRequestID == "" {
		ids.clientRequestID = newGUID()
	}
	w.Header().Set("request-id", ids.requestID)
	w.Header().Set("client-request-id", ids.clientRequestID)
	r = withIDs(r, ids)
	if !e.decodeBody(w, r) {
		return
	}
	path := r.URL.Path
	switch {
	case path == graphPrefix || strings.HasPrefix(path, graphPrefix+"/"),
		path == betaPrefix || strings.HasPrefix(path, betaPrefix+"/"):
		e.serveGraph(w, r)
	case path == controlPrefix || strings.HasPrefix(path, controlPrefix+"/"):
		segs := splitSegments(strings.TrimPrefix(r.URL.EscapedPath(), controlPrefix))
		res := dispatch(e.control, r.Method, segs)
		e.serve(w, r, res, "NotFound", http.StatusNotFound, "Unknown control API path '"+path+"'.")
	default:
		writeError(w, r, http.StatusNotFound, "NotFound",
			"The emulator serves only "+graphPrefix+"/..., "+betaPrefix+"/auditLogs/... and "+controlPrefix+"/...")
	}
}

// decodeBody transparently inflates a gzip request body, as Graph does: the SDK's
// default compression middleware gzips every request body. A body labelled gzip that
// is not gzip is read as is, with a warning: kiota-http-go's retry handler can resend
// the uncompressed body with the gzip label still set (it depends on the middleware
// order). It reports false after answering an unsupported encoding or a broken gzip body.
func (e *Emulator) decodeBody(w http.ResponseWriter, r *http.Request) bool {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if enc != "gzip" {
		writeError(w, r, http.StatusUnsupportedMediaType, codeBadRequest, "Unsupported Content-Encoding '"+enc+"'.")
		return false
	}
	br := bufio.NewReader(r.Body)
	r.Header.Del("Content-Encoding")
	if magic, err := br.Peek(2); err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		e.log.WarnContext(r.Context(), "graphemu: body labelled gzip is not gzip; reading it uncompressed",
			"method", r.Method, "path", r.URL.Path)
		r.Body = io.NopCloser(br)
		return true
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		writeBadPayload(w, r)
		return false
	}
	r.Body = zr
	return true
}

// serve runs a dispatch result, answering unmatched paths with status/code/message.
func (e *Emulator) serve(w http.ResponseWriter, r *http.Request, res dispatchResult, code string, status int, message string) {
	switch {
	case res.handler != nil:
		res.handler(w, r, res.params)
	case res.allowed != nil:
		w.Header().Set("Allow", strings.Join(res.allowed, ", "))
		writeError(w, r, http.StatusMethodNotAllowed, codeRequestBadRequest, msgNotAllowed)
	default:
		writeError(w, r, status, code, message)
	}
}

// serveGraph records, authenticates, applies faults and dispatches a Graph request.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	e.serveGraphRecorded(w, r, false)
}

// serveGraphRecorded serves a Graph request, a sub-request of a $batch when batched, and logs it.
func (e *Emulator) serveGraphRecorded(w http.ResponseWriter, r *http.Request, batched bool) {
	began := time.Now()
	rec := e.recordRequest(r, batched)
	sw := &statusWriter{ResponseWriter: w}
	e.graphPipeline(sw, r)
	if sw.status == 0 {
		sw.status = 499 // the client went away before an answer was written
	}
	e.mu.Lock()
	rec.Status = sw.status
	e.mu.Unlock()
	e.log.DebugContext(r.Context(), "graph request", "method", r.Method, "path", r.URL.Path,
		"status", sw.status, "batched", batched, "duration", time.Since(began))
}

// graphPipeline checks the bearer token, applies fault rules and runs the handler.
func (e *Emulator) graphPipeline(w http.ResponseWriter, r *http.Request) {
	if !hasBearer(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeError(w, r, http.StatusUnauthorized, codeInvalidToken, msgEmptyToken)
		return
	}
	if e.applyFaults(w, r) {
		return
	}
	prefix, routes := graphPrefix, e.graph
	if isBeta(r) {
		prefix, routes = betaPrefix, e.beta
	}
	segs := splitSegments(strings.TrimPrefix(r.URL.EscapedPath(), prefix))
	if e.refuseWithoutPermission(w, r, segs) {
		return
	}
	res := dispatch(routes, r.Method, segs)
	e.serve(w, r, res, codeBadRequest, http.StatusBadRequest,
		"Resource not found for the segment '"+res.badSegment+"'.")
}

// recordRequest appends r (a $batch sub-request when batched) to the request log and returns its record.
func (e *Emulator) recordRequest(r *http.Request, batched bool) *requestRecord {
	rec := &requestRecord{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: e.now().UTC(),
		UserAgent: r.UserAgent(), HasAuthorization: r.Header.Get("Authorization") != "", Batched: batched,
	}
	e.mu.Lock()
	if len(e.st.requests) >= maxRequestLog {
		e.st.requests = append(e.st.requests[:0:0], e.st.requests[len(e.st.requests)-maxRequestLog+1:]...)
	}
	e.st.requests = append(e.st.requests, rec)
	e.mu.Unlock()
	return rec
}

// hasBearer reports whether r carries "Authorization: Bearer <non-empty>".
func hasBearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// graphRoutes lists the emulated Graph paths (relative to /v1.0).
func (e *Emulator) graphRoutes() []route {
	return append(e.deltaRoutes(), // before users/*, which would take "delta" for a user id
		newRoute("users/*", map[string]handlerFunc{http.MethodGet: e.getUser, http.MethodPatch: e.patchUser}),
		newRoute("users/*/manager", map[string]handlerFunc{http.MethodGet: e.getManager}),
		newRoute("users/*/memberOf", map[string]handlerFunc{http.MethodGet: e.listMemberOf}),
		newRoute("users/*/transitiveMemberOf", map[string]handlerFunc{http.MethodGet: e.listTransitiveMemberOf}),
		newRoute("users/*/revokeSignInSessions", map[string]handlerFunc{http.MethodPost: e.revokeSessions}),
		newRoute("users/*/sendMail", map[string]handlerFunc{http.MethodPost: e.sendMail}),
		newRoute("users/*/authentication/methods", map[string]handlerFunc{http.MethodGet: e.listMethods}),
		newRoute("users/*/authentication/temporaryAccessPassMethods",
			map[string]handlerFunc{http.MethodGet: e.listTAPs, http.MethodPost: e.createTAP}),
		newRoute("users/*/authentication/temporaryAccessPassMethods/*",
			map[string]handlerFunc{http.MethodGet: e.getTAP, http.MethodDelete: e.deleteTAP}),
		newRoute("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/*",
			map[string]handlerFunc{http.MethodGet: e.getPolicyConfig}),
		newRoute("roleManagement/directory/roleAssignmentScheduleInstances",
			map[string]handlerFunc{http.MethodGet: e.listRoleInstances(assignmentInstances)}),
		newRoute("roleManagement/directory/roleEligibilityScheduleInstances",
			map[string]handlerFunc{http.MethodGet: e.listRoleInstances(eligibilityInstances)}),
		newRoute("domains", map[string]handlerFunc{http.MethodGet: e.listDomains}),
		newRoute("auditLogs/directoryAudits", map[string]handlerFunc{http.MethodGet: e.listDirectoryAudits}),
		newRoute("auditLogs/signIns", map[string]handlerFunc{http.MethodGet: e.listSignIns}),
		newRoute("$batch", map[string]handlerFunc{http.MethodPost: e.batch}),
	)
}

// baseURL is the absolute Graph root of the request's host, used in @odata.context.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + graphPrefix
}
