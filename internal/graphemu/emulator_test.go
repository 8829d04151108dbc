package graphemu

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnauthorizedWithoutBearer(t *testing.T) {
	env := newEnv(t, nil)
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}} {
		r := env.call(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID, nil, h)
		require.Equal(t, http.StatusUnauthorized, r.status)
		assert.Equal(t, "InvalidAuthenticationToken", r.errCode(t))
		assert.Equal(t, "Access token is empty.", r.errMessage(t))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.NotEmpty(t, r.header.Get("request-id"))
		assert.NotEmpty(t, r.header.Get("client-request-id"))
		assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
	}
}

func TestUnknownUserErrorShape(t *testing.T) {
	env := newEnv(t, nil)
	r := env.call(http.MethodGet, "/v1.0/users/nobody@contoso.example", nil, map[string]string{
		"Authorization": "Bearer x", "client-request-id": "0f3b3c2a-1111-4222-8333-944455556666",
	})
	require.Equal(t, http.StatusNotFound, r.status)
	errObj := r.obj(t)["error"].(map[string]any)
	assert.Equal(t, "Request_ResourceNotFound", errObj["code"])
	assert.Equal(t, "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.", errObj["message"])
	inner := errObj["innerError"].(map[string]any)
	assert.Equal(t, "0f3b3c2a-1111-4222-8333-944455556666", inner["client-request-id"])
	assert.Equal(t, r.header.Get("request-id"), inner["request-id"])
	assert.Equal(t, "2025-06-02T09:00:00Z", inner["date"])
	assert.Equal(t, "0f3b3c2a-1111-4222-8333-944455556666", r.header.Get("client-request-id"))
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/bogus", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "BadRequest", r.errCode(t))
	assert.Equal(t, "Resource not found for the segment 'bogus'.", r.errMessage(t))

	r = env.graph(http.MethodGet, "/v1.0/groups", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "Resource not found for the segment 'groups'.", r.errMessage(t))

	r = env.graph(http.MethodDelete, "/v1.0/users/"+DemoAdaLovelaceID, nil)
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.NotEmpty(t, r.errCode(t))
	assert.Contains(t, r.header.Get("Allow"), "GET")

	r = env.ctl(http.MethodGet, "/elsewhere", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	assert.NotEmpty(t, r.errCode(t))
}

func TestRequestLog(t *testing.T) {
	env := newEnv(t, nil)
	env.call(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$select=id", nil,
		map[string]string{"Authorization": "Bearer x", "User-Agent": "tapflow-test"})
	env.call(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID, nil, nil)
	env.ctl(http.MethodGet, "/_emulator/users", nil) // control calls are not logged

	r := env.ctl(http.MethodGet, "/_emulator/requests", nil)
	require.Equal(t, http.StatusOK, r.status)
	reqs := r.arr(t)
	require.Len(t, reqs, 2)
	assert.Equal(t, "GET", reqs[0]["method"])
	assert.Equal(t, "/v1.0/users/"+DemoAdaLovelaceID, reqs[0]["path"])
	assert.Equal(t, "$select=id", reqs[0]["query"])
	assert.EqualValues(t, 200, reqs[0]["status"])
	assert.Equal(t, "tapflow-test", reqs[0]["userAgent"])
	assert.Equal(t, true, reqs[0]["hasAuthorization"])
	assert.Equal(t, "2025-06-02T09:00:00Z", reqs[0]["time"])
	assert.EqualValues(t, 401, reqs[1]["status"])
	assert.Equal(t, false, reqs[1]["hasAuthorization"])
	assert.NotContains(t, string(r.body), "Bearer")

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/requests", nil).status)
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t))
}

func TestNilSeedIsEmptyDirectoryWithDefaultPolicy(t *testing.T) {
	e := New(Options{})
	assert.Nil(t, e.IssuedPasses("anyone"))
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Empty(t, e.st.users)
	assert.Equal(t, DefaultPolicy(), e.st.policy)
}

func TestGzipRequestBodies(t *testing.T) {
	env := newEnv(t, nil)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(`{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","lifetimeInMinutes":120}`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	headers := map[string]string{"Authorization": "Bearer x", "Content-Encoding": "gzip"}

	r := env.call(http.MethodPost, adaTAPs, buf.String(), headers)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	assert.EqualValues(t, 120, r.obj(t)["lifetimeInMinutes"])

	// kiota's retry handler may resend the plain body still labelled gzip.
	r = env.call(http.MethodPost, adaTAPs, `{"lifetimeInMinutes":240}`, headers)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	assert.EqualValues(t, 240, r.obj(t)["lifetimeInMinutes"])

	headers["Content-Encoding"] = "br"
	r = env.call(http.MethodPost, adaTAPs, `{}`, headers)
	require.Equal(t, http.StatusUnsupportedMediaType, r.status)
	assert.NotEmpty(t, r.errCode(t))

	headers["Content-Encoding"] = "gzip"
	r = env.call(http.MethodPost, adaTAPs, "\x1f\x8bnot really gzip", headers)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "BadRequest", r.errCode(t))
}
