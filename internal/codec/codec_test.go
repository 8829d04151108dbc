package codec

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func TestRoundTripRotationAndTampering(t *testing.T) {
	old, err := ParseKeys("k1=" + key(1))
	require.NoError(t, err)
	dcOld := New(old).DataConverter()
	p, err := dcOld.ToPayload(map[string]string{"user": "ada.lovelace@contoso.example"})
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata["encoding"]))
	require.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	require.NotContains(t, string(p.Data), "ada.lovelace")

	rotated, err := ParseKeys("k2=" + key(2) + ", k1=" + key(1))
	require.NoError(t, err)
	require.Equal(t, "k2", rotated.Active())
	var back map[string]string
	require.NoError(t, New(rotated).DataConverter().FromPayload(p, &back), "the old key still decrypts")
	require.Equal(t, "ada.lovelace@contoso.example", back["user"])
	p2, err := New(rotated).DataConverter().ToPayload("x")
	require.NoError(t, err)
	require.Equal(t, "k2", string(p2.Metadata[MetadataKeyID]), "new payloads use the first key")

	other, _ := ParseKeys("k3=" + key(3))
	require.ErrorContains(t, New(other).DataConverter().FromPayload(p, &back), `key "k1", which is not loaded`)
	p.Data[len(p.Data)-1] ^= 1
	require.Error(t, dcOld.FromPayload(p, &back), "a changed byte is refused")

	plain, err := converter.GetDefaultDataConverter().ToPayload("before encryption")
	require.NoError(t, err)
	var s string
	require.ErrorContains(t, dcOld.FromPayload(plain, &s), "refused an unencrypted payload", "nobody slips plain payloads in")
	require.NoError(t, NewAllowingPlain(old).DataConverter().FromPayload(plain, &s), "unless told to read old ones")
	require.Equal(t, "before encryption", s)
}

func TestBadKeysNameTheKeyNotItsValue(t *testing.T) {
	for spec, want := range map[string]string{
		"":                               "no encryption key",
		"justbase64":                     "write it as id=base64key",
		"k1=c2hvcnQ=":                    `"k1": must be the base64 of exactly 32`,
		"k1=" + key(1) + ",k1=" + key(2): `"k1" appears twice`,
		key(1):                           "encryption key 1: write it as id=base64key", // a bare key: never echoed
	} {
		_, err := ParseKeys(spec)
		require.ErrorContains(t, err, want, spec)
		require.NotContains(t, err.Error(), key(1))
	}
}

func TestHandlerDecodesForTheHolderOfTheToken(t *testing.T) {
	k, _ := ParseKeys("k1=" + key(1))
	c := New(k)
	enc, err := c.DataConverter().ToPayload("secret-ish")
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{enc}})
	require.NoError(t, err)
	h := c.Handler("/codec", "tok", "", "http://127.0.0.1:8233/")

	req := httptest.NewRequest(http.MethodPost, "/codec/decode", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)

	req = httptest.NewRequest(http.MethodPost, "/codec/decode", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "http://127.0.0.1:8233", rec.Header().Get("Access-Control-Allow-Origin"))
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(rec.Body.Bytes(), &out))
	var s string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &s))
	require.Equal(t, "secret-ish", s)

	req = httptest.NewRequest(http.MethodOptions, "/codec/decode", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.True(t, strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "X-Namespace"))
}

// Encode is off unless it has a token of its own: the decode token (the UI's) cannot make encrypted payloads.
func TestEncodeNeedsItsOwnToken(t *testing.T) {
	k, _ := ParseKeys("k1=" + key(1))
	c := New(k)
	plain, err := converter.GetDefaultDataConverter().ToPayload("an approval")
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	require.NoError(t, err)
	post := func(h http.Handler, token string) int {
		req := httptest.NewRequest(http.MethodPost, "/codec/encode", bytes.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusForbidden, post(c.Handler("/codec", "tok", "", ""), "tok"), "off without its own token")
	require.Equal(t, http.StatusForbidden, post(c.Handler("/codec", "", "", ""), ""), "off in dev too")
	on := c.Handler("/codec", "tok", "enc-tok", "")
	require.Equal(t, http.StatusUnauthorized, post(on, "tok"), "the decode token does not encode")
	require.Equal(t, http.StatusOK, post(on, "enc-tok"))
	for _, path := range []string{"/codec/decode/encode", "/codec/x/encode", "/codec/encode/"} {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		on.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNotFound, rec.Code, "%s: the decode token cannot reach encode by another path", path)
	}
}
