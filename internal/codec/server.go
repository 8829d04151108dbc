package codec

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// Handler serves POST {prefix}/decode and {prefix}/encode (Payloads as protobuf JSON), as the Temporal Web UI
// and CLI expect. With a token, decode requests need "Authorization: Bearer <token>". Encode is off unless it
// has a token of its own (encodeToken): whoever may read payloads in the UI must not be able to make encrypted
// ones (an event or an approval the workers would take as tapflow's). origin is the UI's, allowed by CORS (no
// trailing slash).
func (c *Codec) Handler(prefix, token, encodeToken, origin string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", strings.TrimRight(origin, "/"))
			w.Header().Set("Access-Control-Allow-Headers", "Authorization,Content-Type,X-Namespace")
			w.Header().Set("Access-Control-Allow-Methods", "POST,OPTIONS")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// Exactly the two paths: the SDK's handler picks encode or decode by the path's ending, so anything else
		// (/codec/decode/encode) could pass one check and do the other.
		if r.Method != http.MethodPost || (r.URL.Path != prefix+"/encode" && r.URL.Path != prefix+"/decode") {
			http.NotFound(w, r)
			return
		}
		want := token
		if r.URL.Path == prefix+"/encode" {
			if encodeToken == "" {
				http.Error(w, "codec: encode is off (give it a token of its own: TAPFLOW_CODEC_ENCODE_TOKEN)", http.StatusForbidden)
				return
			}
			want = encodeToken
		}
		if want != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				http.Error(w, "codec: a bearer token is required", http.StatusUnauthorized)
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
		inner.ServeHTTP(w, r)
	})
}
