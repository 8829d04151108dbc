package graphemu

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// handlerFunc serves one route; params holds the values of the route's "*" segments.
type handlerFunc func(w http.ResponseWriter, r *http.Request, params []string)

// route is a path pattern (literal segments, "*" for a parameter) and its handlers by method.
type route struct {
	pattern []string
	methods map[string]handlerFunc
}

// newRoute builds a route from a slash-separated pattern.
func newRoute(pattern string, methods map[string]handlerFunc) route {
	return route{pattern: strings.Split(strings.Trim(pattern, "/"), "/"), methods: methods}
}

// splitSegments splits an escaped path (without its prefix) into unescaped segments.
func splitSegments(escaped string) []string {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil
	}
	raw := strings.Split(escaped, "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			u = s
		}
		segs[i] = u
	}
	return segs
}

// matchPrefix reports how many leading segments match the pattern and the parameters seen.
func matchPrefix(pattern, segs []string) (int, []string) {
	var params []string
	n := 0
	for n < len(pattern) && n < len(segs) {
		p := pattern[n]
		if p == "*" {
			if segs[n] == "" {
				break
			}
			params = append(params, segs[n])
		} else if !strings.EqualFold(p, segs[n]) {
			break
		}
		n++
	}
	return n, params
}

// dispatchResult is what the router found for a request.
type dispatchResult struct {
	handler    handlerFunc
	params     []string
	allowed    []string // set when the path matched but the method did not
	badSegment string   // set when no route matched the path
}

// dispatch finds the handler for method and segs among routes.
func dispatch(routes []route, method string, segs []string) dispatchResult {
	best := 0
	for _, rt := range routes {
		n, params := matchPrefix(rt.pattern, segs)
		if n == len(rt.pattern) && n == len(segs) {
			if h, ok := rt.methods[method]; ok {
				return dispatchResult{handler: h, params: params}
			}
			allowed := make([]string, 0, len(rt.methods))
			for m := range rt.methods {
				allowed = append(allowed, m)
			}
			sort.Strings(allowed)
			return dispatchResult{allowed: allowed}
		}
		if n > best {
			best = n
		}
	}
	res := dispatchResult{}
	switch {
	case len(segs) == 0:
		res.badSegment = ""
	case best >= len(segs):
		res.badSegment = segs[len(segs)-1]
	default:
		res.badSegment = segs[best]
	}
	return res
}

// statusWriter records the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and forwards it.
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and forwards the bytes.
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
