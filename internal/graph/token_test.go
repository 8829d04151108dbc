package graph

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenRoles(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"https://graph.microsoft.com","roles":["User.Read.All","Mail.Send"]}`))
	roles, ok := TokenRoles("eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln")
	require.True(t, ok)
	require.Equal(t, []string{"User.Read.All", "Mail.Send"}, roles)

	roles, ok = TokenRoles("eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"scp":"User.Read"}`)) + ".c2ln")
	require.True(t, ok, "a JWT without roles holds no application permission")
	require.Empty(t, roles)

	_, ok = TokenRoles("tapflow-dev-emulator")
	require.False(t, ok)
	_, ok = TokenRoles("a.!!!.c")
	require.False(t, ok)
}

func TestAccessTokenStatic(t *testing.T) {
	tok, err := AccessToken(context.Background(), Config{StaticToken: "t0k"})
	require.NoError(t, err)
	require.Equal(t, "t0k", tok)
}
