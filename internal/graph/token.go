package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// AccessToken returns the bearer token the configuration sends to Graph: the static token, or a fresh one from
// the Entra credential. The token is a secret: callers read its claims and drop it.
func AccessToken(ctx context.Context, c Config) (string, error) {
	if c.StaticToken != "" {
		return c.StaticToken, nil
	}
	graphURL, authority, err := c.Endpoints()
	if err != nil {
		return "", err
	}
	u, err := url.Parse(graphURL)
	if err != nil {
		return "", fmt.Errorf("parse graph URL: %w", err)
	}
	cred, err := credential(c, authority)
	if err != nil {
		return "", err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{u.Scheme + "://" + u.Host + "/.default"}})
	if err != nil {
		return "", fmt.Errorf("get a Graph token with the %s credential: %w", c.resolvedKind(), err)
	}
	return tok.Token, nil
}

// TokenRoles reads the roles claim of a JWT access token: for an app-only Entra token, the application
// permissions the app was granted and consented. ok is false when the token is not a JWT (a static token for an
// emulator or a proxy). The signature is not checked: the roles are only reported, never trusted.
func TokenRoles(token string) (roles []string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil, false
	}
	return claims.Roles, true
}
