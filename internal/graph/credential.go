package graph

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
)

// authProvider builds the kiota authentication provider for a configuration: a static bearer token, or an
// azidentity credential scoped to the Graph host.
func authProvider(c Config, graphURL, authority string) (absauth.AuthenticationProvider, error) {
	u, err := url.Parse(graphURL)
	if err != nil {
		return nil, fmt.Errorf("parse graph URL: %w", err)
	}
	if c.StaticToken != "" {
		return staticToken{token: c.StaticToken, host: u.Host}, nil
	}
	cred, err := credential(c, authority)
	if err != nil {
		return nil, err
	}
	scope := u.Scheme + "://" + u.Host + "/.default"
	p, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{scope}, []string{u.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("azure identity provider: %w", err)
	}
	return p, nil
}

// credential builds the azidentity credential the configuration names.
func credential(c Config, authority string) (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: authority}}
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch kind := c.resolvedKind(); kind {
	case CredentialClientSecret:
		cred, err = azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts})
	case CredentialClientCertificate:
		data, rerr := os.ReadFile(c.CertificatePath)
		if rerr != nil {
			return nil, fmt.Errorf("read AZURE_CLIENT_CERTIFICATE_PATH: %w", rerr)
		}
		certs, key, perr := azidentity.ParseCertificates(data, []byte(c.CertificatePassword))
		if perr != nil {
			return nil, fmt.Errorf("parse AZURE_CLIENT_CERTIFICATE_PATH (PEM or PKCS#12 with the private key): %w", perr)
		}
		cred, err = azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts})
	case CredentialManagedIdentity:
		mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if c.ClientID != "" {
			mo.ID = azidentity.ClientID(c.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mo)
	case CredentialWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, TenantID: c.TenantID, ClientID: c.ClientID, TokenFilePath: c.FederatedTokenFile})
	case CredentialDefault:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: opts, TenantID: c.TenantID})
	default:
		return nil, fmt.Errorf("unknown Graph credential %q: use one of %s", kind, joinKinds())
	}
	if err != nil {
		return nil, fmt.Errorf("create %s credential: %w", c.resolvedKind(), err)
	}
	return cred, nil
}

// staticToken sends a fixed bearer token, to the configured host only (a next link to another host gets none).
// Unlike kiota's API-key provider it allows plain HTTP, which the local emulator speaks.
type staticToken struct{ token, host string }

// AuthenticateRequest implements absauth.AuthenticationProvider.
func (s staticToken) AuthenticateRequest(_ context.Context, req *abs.RequestInformation, _ map[string]interface{}) error {
	u, err := req.GetUri()
	if err != nil {
		return fmt.Errorf("request URL: %w", err)
	}
	if u.Host == s.host {
		req.Headers.Add("Authorization", "Bearer "+s.token)
	}
	return nil
}
