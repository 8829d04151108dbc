package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	require.Equal(t, 2128*time.Millisecond, ParseRetryAfter("2.128", now))
	require.Equal(t, 10*time.Second, ParseRetryAfter(" 10 ", now))
	require.Equal(t, 500*time.Millisecond, ParseRetryAfter("0.5", now))
	require.Equal(t, 90*time.Second, ParseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
	require.Equal(t, time.Hour, ParseRetryAfter("1e300", now))
	for _, bad := range []string{"", "-1", "soon", "NaN", now.Add(-time.Minute).Format(http.TimeFormat)} {
		require.Zero(t, ParseRetryAfter(bad, now), bad)
	}
}

func TestPassNeverPrints(t *testing.T) {
	p := NewPass("Xy7!secret")
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("issued", "pass", p, "tap", IssuedTAP{Pass: p})
	js, err := json.Marshal(IssuedTAP{Pass: p})
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %d %x %X %t %o %e", p, p, p, p, p, p, p, p, p, p, p),
		fmt.Sprintf("%v %+v", []Pass{p}, map[string]Pass{"k": p}),
		fmt.Sprintf("%+v", IssuedTAP{Pass: p}), fmt.Sprintf("%#v", Mail{Body: p}), string(js), logged.String()} {
		require.NotContains(t, out, "secret", out)
	}
	require.Equal(t, "Xy7!secret", p.Reveal())
}

func TestValidateNamesEveryMissingSetting(t *testing.T) {
	err := Config{TenantID: "t"}.Validate()
	require.ErrorContains(t, err, "AZURE_CLIENT_ID")
	require.ErrorContains(t, err, "one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE")

	err = Config{Credential: CredentialWorkloadIdentity}.Validate()
	require.EqualError(t, err, "Entra credentials incomplete (workload-identity): set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE")

	require.NoError(t, Config{TenantID: "t", ClientID: "c", ClientSecret: "s"}.Validate())
	require.NoError(t, Config{Credential: CredentialManagedIdentity}.Validate())
	require.ErrorContains(t, Config{Cloud: "mars"}.Validate(), "use one of global, usgov, usgov-dod, china")
	require.ErrorContains(t, Config{TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent.pem"}.Validate(),
		"AZURE_CLIENT_CERTIFICATE_PATH")
	require.True(t, Config{TenantID: "t"}.EntraRequested())
	require.False(t, Config{StaticToken: "x", BaseURL: "http://h/v1.0"}.EntraRequested())
}

func TestNationalCloudEndpoints(t *testing.T) {
	g, a, err := Config{Cloud: "usgov"}.Endpoints()
	require.NoError(t, err)
	require.Equal(t, "https://graph.microsoft.us/v1.0", g)
	require.Equal(t, "https://login.microsoftonline.us/", a)
	g, a, err = Config{Cloud: "china", BaseURL: "https://proxy.example/v1.0/", Authority: "https://login.example/"}.Endpoints()
	require.NoError(t, err)
	require.Equal(t, "https://proxy.example/v1.0", g)
	require.Equal(t, "https://login.example/", a)
	_, _, err = Config{BaseURL: "graph.example"}.Endpoints()
	require.ErrorContains(t, err, "not an absolute URL")
}

func TestEntraClientsBuildForEveryCredentialKind(t *testing.T) {
	for _, c := range []Config{
		{TenantID: "t", ClientID: "c", ClientSecret: "s"},
		{Credential: CredentialManagedIdentity, ClientID: "c"},
		{TenantID: "t", ClientID: "c", FederatedTokenFile: "/var/run/token"},
		{Credential: CredentialDefault, Cloud: "usgov"},
	} {
		_, err := New(c, Options{})
		require.NoError(t, err, "%+v", c.Credential)
	}
}

func TestMethodTypeOf(t *testing.T) {
	require.Equal(t, MethodWindowsHello, MethodTypeOf("#microsoft.graph.windowsHelloForBusinessAuthenticationMethod"))
	require.Equal(t, MethodPlatformCredential, MethodTypeOf("#microsoft.graph.platformCredentialAuthenticationMethod"))
	require.Equal(t, MethodUnknown, MethodTypeOf("#microsoft.graph.authenticationMethod"))
	require.Equal(t, MethodUnknown, MethodTypeOf(""))
	require.Equal(t, MethodType("qrCode"), MethodTypeOf("#microsoft.graph.qrCodeAuthenticationMethod"))
}

// A manager that came without @odata.type is read from the SDK's additional data; its accountEnabled counts only
// when it is there and true.
func TestABareManagersAccountEnabledIsReadNotAssumed(t *testing.T) {
	enabled := true
	obj := models.NewDirectoryObject()
	obj.SetAdditionalData(map[string]any{"mail": ptr("grace@contoso.example"), "accountEnabled": &enabled})
	require.True(t, managerFromModel(obj).AccountEnabled)
	require.Equal(t, "grace@contoso.example", managerFromModel(obj).Mail)
	obj.SetAdditionalData(map[string]any{"mail": ptr("grace@contoso.example")})
	require.False(t, managerFromModel(obj).AccountEnabled, "unknown: disabled")
}

func ptr[T any](v T) *T { return &v }
