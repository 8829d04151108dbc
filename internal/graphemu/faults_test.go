package graphemu

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFault429AppliedCountTimes(t *testing.T) {
	env := newEnv(t, nil)
	r := env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{
		"method": "POST", "path": "/authentication/temporaryAccessPassMethods$", "status": 429, "retry_after": "2.5", "count": 2,
	})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	assert.NotEmpty(t, r.obj(t)["id"])

	// A GET on the same path does not match the method.
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, adaTAPs, nil).status)
	for i := 0; i < 2; i++ {
		r = env.graph(http.MethodPost, adaTAPs, map[string]any{})
		require.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, "2.5", r.header.Get("Retry-After"))
		e := r.obj(t)["error"].(map[string]any)
		assert.Equal(t, "TooManyRequests", e["code"])
		inner := e["innerError"].(map[string]any)
		assert.Equal(t, "429", inner["code"])
		assert.Equal(t, "429", inner["status"])
		assert.NotEmpty(t, inner["request-id"])
		assert.NotEmpty(t, inner["client-request-id"])
		assert.NotEmpty(t, inner["date"])
	}
	assert.Empty(t, env.emu.IssuedPasses(DemoAdaLovelaceID), "a throttled POST issues no pass")
	assert.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)

	rules := env.ctl(http.MethodGet, "/_emulator/faults", nil).arr(t)
	require.Len(t, rules, 1)
	assert.EqualValues(t, 0, rules[0]["remaining"])
	assert.EqualValues(t, 2, rules[0]["applied"])

	reqs := env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t)
	require.Len(t, reqs, 4)
	assert.EqualValues(t, 429, reqs[1]["status"])

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/faults", nil).status)
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/faults", nil).arr(t))
}

func TestFaultOtherStatusesAndFirstRuleWins(t *testing.T) {
	env := newEnv(t, nil)
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/manager$", "status": 503, "count": 1})
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/manager$", "status": 504, "count": 1})
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/memberOf$", "status": 500})
	path := "/v1.0/users/" + DemoAdaLovelaceID
	r := env.graph(http.MethodGet, path+"/manager", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "serviceNotAvailable", r.errCode(t))
	assert.Empty(t, r.header.Get("Retry-After"))
	r = env.graph(http.MethodGet, path+"/manager", nil)
	require.Equal(t, http.StatusGatewayTimeout, r.status)
	assert.Equal(t, "gatewayTimeout", r.errCode(t))
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, path+"/manager", nil).status)
	for i := 0; i < 3; i++ { // count 0 = unlimited
		r = env.graph(http.MethodGet, path+"/memberOf", nil)
		require.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, "generalException", r.errCode(t))
	}
	rules := env.ctl(http.MethodGet, "/_emulator/faults", nil).arr(t)
	assert.Nil(t, rules[2]["remaining"])
}

func TestFaultLatency(t *testing.T) {
	env := newEnv(t, nil)
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "^/v1.0/users/[^/]+$", "latency_ms": 60, "count": 1})
	began := time.Now()
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID, nil)
	require.Equal(t, http.StatusOK, r.status, "a latency-only rule serves normally")
	assert.GreaterOrEqual(t, time.Since(began), 60*time.Millisecond)

	// The delay respects the request context.
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"latency_ms": 5000, "status": 503})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.srv.URL+"/v1.0/users/"+DemoAdaLovelaceID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer x")
	began = time.Now()
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)
	assert.Less(t, time.Since(began), 2*time.Second)
}

func TestFaultValidation(t *testing.T) {
	env := newEnv(t, nil)
	cases := map[string]map[string]any{
		"path":        {"path": "([", "status": 429},
		"status":      {"status": 200},
		"retry_after": {"status": 429, "retry_after": "soon"},
		"count":       {"status": 429, "count": -1},
		"latency_ms":  {"latency_ms": -5},
	}
	for field, body := range cases {
		r := env.ctl(http.MethodPost, "/_emulator/faults", body)
		require.Equal(t, http.StatusBadRequest, r.status, field)
		assert.Contains(t, r.errMessage(t), field)
	}
	r := env.ctl(http.MethodPost, "/_emulator/faults", `{"retryAfter":"2"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/faults", nil).arr(t))
}
