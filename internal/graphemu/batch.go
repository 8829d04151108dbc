package graphemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBatchRequests is how many requests Graph takes in one JSON batch.
const maxBatchRequests = 20

// batchRequest is one request of a JSON batch (POST /v1.0/$batch), as Graph documents it.
type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"` // relative to /v1.0, with or without a leading slash
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batchResponse is one response of a JSON batch.
type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch serves POST /$batch. Each request is served in order by the same pipeline as a direct request
// (bearer check, fault rules, permissions, router) with the batch's Authorization, and logged with
// batched true; a request whose dependsOn names a failed one answers 424 without being served.
func (e *Emulator) batch(w http.ResponseWriter, r *http.Request, _ []string) {
	var in struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&in); err != nil {
		writeBadPayload(w, r)
		return
	}
	if msg := checkBatch(in.Requests); msg != "" {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	done := map[string]int{}
	out := make([]batchResponse, 0, len(in.Requests))
	for _, br := range in.Requests {
		res := e.serveBatchItem(r, br, done)
		done[br.ID] = res.Status
		out = append(out, res)
	}
	writeJSON(w, http.StatusOK, map[string]any{"responses": out})
}

// checkBatch validates the requests of a batch; a non-empty answer is the 400 message.
func checkBatch(reqs []batchRequest) string {
	if len(reqs) == 0 {
		return "Invalid batch payload format: requests must hold at least one request."
	}
	if len(reqs) > maxBatchRequests {
		return fmt.Sprintf("Invalid batch payload format: a batch holds at most %d requests, not %d.", maxBatchRequests, len(reqs))
	}
	seen := map[string]bool{}
	for i, br := range reqs {
		switch {
		case strings.TrimSpace(br.ID) == "":
			return fmt.Sprintf("Invalid batch payload format: requests[%d].id is required.", i)
		case seen[br.ID]:
			return fmt.Sprintf("Invalid batch payload format: request id '%s' is used more than once.", br.ID)
		case strings.TrimSpace(br.Method) == "":
			return fmt.Sprintf("Invalid batch payload format: requests[%d].method is required.", i)
		case strings.TrimSpace(br.URL) == "":
			return fmt.Sprintf("Invalid batch payload format: requests[%d].url is required.", i)
		}
		for _, d := range br.DependsOn {
			if !seen[d] {
				return fmt.Sprintf("Invalid batch payload format: requests[%d].dependsOn names '%s', no earlier request.", i, d)
			}
		}
		seen[br.ID] = true
	}
	return ""
}

// serveBatchItem serves one request of a batch; done holds the statuses of the requests served before it.
func (e *Emulator) serveBatchItem(outer *http.Request, br batchRequest, done map[string]int) batchResponse {
	rec := &batchRecorder{header: http.Header{}}
	for _, d := range br.DependsOn {
		if done[d] >= 400 {
			writeError(rec, outer, http.StatusFailedDependency, "FailedDependency",
				"The request depends on request '"+d+"', which failed.")
			return rec.response(br.ID)
		}
	}
	sub, msg := e.subRequest(outer, br)
	if sub == nil {
		writeError(rec, outer, http.StatusBadRequest, codeBadRequest, msg)
		return rec.response(br.ID)
	}
	e.serveGraphRecorded(rec, sub, true)
	return rec.response(br.ID)
}

// subRequest builds the HTTP request of a batch item, carrying the outer request's Authorization, host and
// context; msg says why it cannot be built.
func (e *Emulator) subRequest(outer *http.Request, br batchRequest) (*http.Request, string) {
	rel := strings.TrimPrefix(strings.TrimSpace(br.URL), "/")
	if strings.Contains(strings.SplitN(rel, "?", 2)[0], "://") {
		return nil, "Invalid request url '" + br.URL + "': it must be relative to the version, such as /users/{id}."
	}
	var body io.Reader = http.NoBody
	if b := bytes.TrimSpace(br.Body); len(b) > 0 && string(b) != "null" {
		body = bytes.NewReader(b)
	}
	sub, err := http.NewRequestWithContext(outer.Context(), strings.ToUpper(strings.TrimSpace(br.Method)), graphPrefix+"/"+rel, body)
	if err != nil {
		return nil, "Invalid request url '" + br.URL + "'."
	}
	if segs := splitSegments(strings.TrimPrefix(sub.URL.EscapedPath(), graphPrefix)); len(segs) > 0 && segs[0] == "$batch" {
		return nil, "A batch cannot hold another $batch."
	}
	sub.Host, sub.TLS, sub.RemoteAddr = outer.Host, outer.TLS, outer.RemoteAddr
	for k, v := range br.Headers {
		sub.Header.Set(k, v)
	}
	if body != http.NoBody && sub.Header.Get("Content-Type") == "" {
		sub.Header.Set("Content-Type", "application/json")
	}
	sub.Header.Set("Authorization", outer.Header.Get("Authorization"))
	sub.Header.Set("User-Agent", outer.UserAgent())
	ids := reqIDs{requestID: newGUID(), clientRequestID: sub.Header.Get("client-request-id"), date: e.now()}
	if ids.clientRequestID == "" {
		ids.clientRequestID = idsFrom(outer).clientRequestID
	}
	return withIDs(sub, ids), ""
}

// batchRecorder is the http.ResponseWriter a batch item is served to.
type batchRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header returns the response headers.
func (b *batchRecorder) Header() http.Header { return b.header }

// WriteHeader records the first status written.
func (b *batchRecorder) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// Write records body bytes (an implicit 200).
func (b *batchRecorder) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// response renders what was recorded as the batch item id's response: a JSON body as is, any other body as
// a base64 string, as Graph does.
func (b *batchRecorder) response(id string) batchResponse {
	res := batchResponse{ID: id, Status: b.status, Headers: map[string]string{}}
	if res.Status == 0 {
		res.Status = http.StatusOK
	}
	for k, v := range b.header {
		if len(v) > 0 {
			res.Headers[k] = strings.Join(v, ", ")
		}
	}
	if raw := b.body.Bytes(); len(raw) > 0 {
		if json.Valid(raw) {
			res.Body = append(json.RawMessage{}, raw...)
		} else {
			res.Body, _ = json.Marshal(base64.StdEncoding.EncodeToString(raw))
		}
	}
	return res
}
