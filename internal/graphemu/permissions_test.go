package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAMissingPermissionIsRefusedLikeGraph(t *testing.T) {
	env := newEnv(t, nil)
	methods := "/v1.0/users/" + DemoAdaLovelaceID + "/authentication/methods"
	require.Equal(t, http.StatusOK, env.graph(http.MethodGet, methods, nil).status)

	r := env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All", "Mail.Send"}})
	require.Equal(t, http.StatusOK, r.status)
	resp := env.graph(http.MethodGet, methods, nil)
	require.Equal(t, http.StatusForbidden, resp.status)
	require.Equal(t, "Authorization_RequestDenied", resp.errCode(t))
	require.Equal(t, http.StatusOK, env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID, nil).status)

	bad := env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"Everything.All"}})
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	require.Equal(t, http.StatusOK, env.graph(http.MethodGet, methods, nil).status, "a reset grants everything again")
}
