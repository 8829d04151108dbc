package graph

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// CredentialKind picks how tapflow authenticates to Entra.
type CredentialKind string

// The credential kinds. CredentialAuto picks one from the settings that are present.
const (
	CredentialAuto              CredentialKind = "auto"
	CredentialClientSecret      CredentialKind = "client-secret"
	CredentialClientCertificate CredentialKind = "client-certificate"
	CredentialManagedIdentity   CredentialKind = "managed-identity"
	CredentialWorkloadIdentity  CredentialKind = "workload-identity"
	CredentialDefault           CredentialKind = "default"
)

// CredentialKinds lists the accepted values of Config.Credential, for help text and errors.
func CredentialKinds() []CredentialKind {
	return []CredentialKind{CredentialAuto, CredentialClientSecret, CredentialClientCertificate,
		CredentialManagedIdentity, CredentialWorkloadIdentity, CredentialDefault}
}

// Cloud is a national cloud's Graph and login endpoints.
type Cloud struct {
	GraphURL  string // Graph v1.0 base URL
	Authority string // Entra login host
}

// CloudNames lists the clouds CloudByName knows.
func CloudNames() []string { return []string{"global", "usgov", "usgov-dod", "china"} }

// CloudByName returns a Microsoft cloud's endpoints.
func CloudByName(name string) (Cloud, bool) {
	c, ok := map[string]Cloud{
		"global":    {GraphURL: "https://graph.microsoft.com/v1.0", Authority: "https://login.microsoftonline.com/"},
		"usgov":     {GraphURL: "https://graph.microsoft.us/v1.0", Authority: "https://login.microsoftonline.us/"},
		"usgov-dod": {GraphURL: "https://dod-graph.microsoft.us/v1.0", Authority: "https://login.microsoftonline.us/"},
		"china":     {GraphURL: "https://microsoftgraph.chinacloudapi.cn/v1.0", Authority: "https://login.chinacloudapi.cn/"},
	}[name]
	return c, ok
}

// Config says where Graph is and how to authenticate to it.
type Config struct {
	Cloud       string // a key of Clouds; default "global"
	BaseURL     string // overrides the cloud's Graph URL (an emulator, a proxy)
	Authority   string // overrides the cloud's login host
	StaticToken string // a fixed bearer token instead of Entra credentials (emulators, test doubles)

	Credential          CredentialKind
	TenantID            string
	ClientID            string
	ClientSecret        string
	CertificatePath     string // PEM or PKCS#12 file holding the certificate and its private key
	CertificatePassword string
	FederatedTokenFile  string // workload identity: the projected service-account token

	Timeout time.Duration // per request; default 30 s
}

// EntraRequested reports whether any Entra setting is present (a tenant, a client, a credential, or an explicit
// credential kind): the user means real Graph, and Validate then names whatever is still missing.
func (c Config) EntraRequested() bool {
	if c.Credential != "" && c.Credential != CredentialAuto {
		return true
	}
	return c.TenantID != "" || c.ClientID != "" || c.ClientSecret != "" || c.CertificatePath != "" ||
		c.FederatedTokenFile != ""
}

// resolvedKind is the credential kind that CredentialAuto stands for.
func (c Config) resolvedKind() CredentialKind {
	if c.Credential != "" && c.Credential != CredentialAuto {
		return c.Credential
	}
	switch {
	case c.ClientSecret != "":
		return CredentialClientSecret
	case c.CertificatePath != "":
		return CredentialClientCertificate
	case c.FederatedTokenFile != "":
		return CredentialWorkloadIdentity
	}
	return CredentialAuto // nothing to go on yet
}

// Endpoints returns the Graph base URL and the login authority this configuration uses.
func (c Config) Endpoints() (graphURL, authority string, err error) {
	name := c.Cloud
	if name == "" {
		name = "global"
	}
	cloud, ok := CloudByName(name)
	if !ok {
		return "", "", fmt.Errorf("unknown Graph cloud %q: use one of global, usgov, usgov-dod, china", c.Cloud)
	}
	graphURL, authority = cloud.GraphURL, cloud.Authority
	if c.BaseURL != "" {
		graphURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.Authority != "" {
		authority = c.Authority
	}
	if u, perr := url.Parse(graphURL); perr != nil || u.Scheme == "" || u.Host == "" {
		return "", "", fmt.Errorf("graph URL %q is not an absolute URL such as https://graph.microsoft.com/v1.0", graphURL)
	}
	return graphURL, authority, nil
}

// Validate checks the credential settings and names every missing one at once, by the environment
// variable that sets it.
func (c Config) Validate() error {
	if _, _, err := c.Endpoints(); err != nil {
		return err
	}
	if c.StaticToken != "" {
		return nil
	}
	var missing []string
	need := func(v, name string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	switch kind := c.resolvedKind(); kind {
	case CredentialClientSecret:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		need(c.ClientSecret, "AZURE_CLIENT_SECRET")
	case CredentialClientCertificate:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		need(c.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
	case CredentialWorkloadIdentity:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		need(c.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
	case CredentialManagedIdentity, CredentialDefault:
	case CredentialAuto:
		need(c.TenantID, "AZURE_TENANT_ID")
		need(c.ClientID, "AZURE_CLIENT_ID")
		missing = append(missing, "one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE"+
			" (or TAPFLOW_GRAPH_CREDENTIAL=managed-identity|default)")
	default:
		return fmt.Errorf("unknown Graph credential %q: use one of %s", kind, joinKinds())
	}
	if len(missing) > 0 {
		return fmt.Errorf("Entra credentials incomplete (%s): set %s", c.resolvedKind(), strings.Join(missing, ", "))
	}
	if c.CertificatePath != "" {
		if _, err := os.Stat(c.CertificatePath); err != nil {
			return fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH: %w", err)
		}
	}
	return nil
}

func joinKinds() string {
	names := make([]string, len(CredentialKinds()))
	for i, k := range CredentialKinds() {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
