package graphemu

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// selectProps keeps the selected properties of a full object (all of them when selected is nil), matching
// names case-insensitively and writing them as the object spells them; bad names a property the object lacks.
func selectProps(full map[string]any, selected []string) (out map[string]any, bad string) {
	if selected == nil {
		out = make(map[string]any, len(full))
		for k, v := range full {
			out[k] = v
		}
		return out, ""
	}
	out = map[string]any{}
	for _, p := range selected {
		found := false
		for k, v := range full {
			if strings.EqualFold(k, p) {
				out[k], found = v, true
				break
			}
		}
		if !found {
			return nil, p
		}
	}
	return out, ""
}

// writeUnknownTypeProperty answers a $select naming a property the type (e.g. microsoft.graph.domain) lacks.
func writeUnknownTypeProperty(w http.ResponseWriter, r *http.Request, p, typeName string) {
	writeError(w, r, http.StatusBadRequest, codeRequestBadRequest,
		"Could not find a property named '"+p+"' on type '"+typeName+"'.")
}

// writePage writes one page of all (from offset, at most top items) as a Graph collection with the given
// @odata.context, and an @odata.nextLink when more items follow.
func writePage(w http.ResponseWriter, r *http.Request, context string, all []map[string]any, top, offset int) {
	page := []map[string]any{}
	if offset < len(all) {
		page = all[offset:min(offset+top, len(all))]
	}
	body := map[string]any{"@odata.context": context, "value": page}
	if next := offset + top; next < len(all) {
		body["@odata.nextLink"] = nextLink(r, top, next)
	}
	writeJSON(w, http.StatusOK, body)
}

// nextLink is the request's absolute URL with the other query options kept and $top and an opaque
// $skiptoken for the item at offset next.
func nextLink(r *http.Request, top, next int) string {
	var parts []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); kv == "" || (err == nil && (uk == "$top" || uk == "$skiptoken")) {
			continue
		}
		parts = append(parts, strings.ReplaceAll(kv, " ", "%20")) // a batch item's url may carry bare spaces
	}
	token := base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(next)))
	parts = append(parts, "$top="+strconv.Itoa(top), "$skiptoken="+url.QueryEscape(token))
	return baseURL(r) + strings.TrimPrefix(r.URL.EscapedPath(), graphPrefix) + "?" + strings.Join(parts, "&")
}
