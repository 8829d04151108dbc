package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/domains"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// sdkVersion is the msgraph-sdk-go release tapflow is built and tested with (telemetry header).
const sdkVersion = "1.89.0"

// SDK implements Client on msgraph-sdk-go request builders.
type SDK struct {
	adapter  abs.RequestAdapter
	users    *users.UsersRequestBuilder
	policies *policies.PoliciesRequestBuilder
	roles    *rolemanagement.RoleManagementRequestBuilder
	domains  *domains.DomainsRequestBuilder
	baseURL  string
}

var _ Client = (*SDK)(nil)

// Options tune the HTTP side of the client.
type Options struct {
	// Transport is the parent transport under the SDK middleware (metrics, tracing); nil = http.DefaultTransport.
	Transport http.RoundTripper
}

// New builds a Graph client from a validated configuration.
//
// The SDK's own retry handler is left out: Temporal owns retries, so every attempt is visible and a
// decimal Retry-After is honoured exactly (the SDK truncates it to whole seconds).
func New(c Config, o Options) (*SDK, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	graphURL, authority, err := c.Endpoints()
	if err != nil {
		return nil, err
	}
	auth, err := authProvider(c, graphURL, authority)
	if err != nil {
		return nil, err
	}
	opts := core.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	var mws []khttp.Middleware
	for _, mw := range core.GetDefaultMiddlewaresWithOptions(&opts) {
		switch mw.(type) {
		case *khttp.RetryHandler: // Temporal owns retries
			continue
		case *khttp.RedirectHandler: // it would follow a redirect, bearer token and all, before CheckRedirect
			continue
		}
		mws = append(mws, mw)
	}
	parent := o.Transport
	if parent == nil {
		parent = http.DefaultTransport
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, mws...),
		Timeout:   timeout,
		// Graph never redirects the calls tapflow makes; a redirect is refused rather than followed with the token.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	parse.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	write.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, opts, parse, write, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(graphURL)
	params := map[string]string{"baseurl": graphURL}
	return &SDK{
		adapter:  adapter,
		users:    users.NewUsersRequestBuilderInternal(params, adapter),
		policies: policies.NewPoliciesRequestBuilderInternal(params, adapter),
		roles:    rolemanagement.NewRoleManagementRequestBuilderInternal(params, adapter),
		domains:  domains.NewDomainsRequestBuilderInternal(params, adapter),
		baseURL:  graphURL,
	}, nil
}

// BaseURL is the Graph endpoint this client talks to.
func (s *SDK) BaseURL() string { return s.baseURL }

// userSelect is every user property tapflow reads (accountEnabled and employeeId come only on $select).
func userSelect() []string {
	return []string{"id", "userPrincipalName", "displayName", "mail", "preferredLanguage", "employeeId", "accountEnabled",
		"userType", "onPremisesExtensionAttributes"}
}

// managerSelect is what tapflow reads of a manager: no more personal data than the trust rules need.
func managerSelect() []string {
	return []string{"id", "userPrincipalName", "displayName", "mail", "accountEnabled", "userType"}
}

// GetUser implements Client.
func (s *SDK) GetUser(ctx context.Context, user string) (User, error) {
	u, err := s.users.ByUserId(user).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect()},
	})
	if err != nil {
		return User{}, classify("GetUser", err)
	}
	if u == nil {
		// Graph may answer 202 without a body while it finishes background work.
		return User{}, &Error{Op: "GetUser", Kind: KindTransient, Status: http.StatusAccepted, Message: "user not ready yet"}
	}
	return userFromModel(u), nil
}

// GetUserAndManager implements Client.
func (s *SDK) GetUserAndManager(ctx context.Context, user string) (User, *User, error) {
	u, err := s.users.ByUserId(user).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect(),
			Expand: []string{"manager($select=" + strings.Join(managerSelect(), ",") + ")"}},
	})
	if err != nil {
		return User{}, nil, classify("GetUserAndManager", err)
	}
	if u == nil {
		return User{}, nil, &Error{Op: "GetUserAndManager", Kind: KindTransient, Status: http.StatusAccepted, Message: "user not ready yet"}
	}
	var manager *User
	if m := u.GetManager(); m != nil {
		mu := managerFromModel(m)
		manager = &mu
	}
	return userFromModel(u), manager, nil
}

// GetManager implements Client.
func (s *SDK) GetManager(ctx context.Context, user string) (User, error) {
	obj, err := s.users.ByUserId(user).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: managerSelect()},
	})
	if err != nil {
		return User{}, classify("GetManager", err)
	}
	if obj == nil {
		return User{}, &Error{Op: "GetManager", Kind: KindNotFound, Message: "the user has no manager"}
	}
	return managerFromModel(obj), nil
}

// ListMethods implements Client.
func (s *SDK) ListMethods(ctx context.Context, user string) ([]Method, error) {
	resp, err := s.users.ByUserId(user).Authentication().Methods().Get(ctx, nil)
	if err != nil {
		return nil, classify("ListMethods", err)
	}
	var out []Method
	for resp != nil {
		for _, m := range resp.GetValue() {
			out = append(out, methodFromModel(m))
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			break
		}
		if resp, err = s.users.ByUserId(user).Authentication().Methods().WithUrl(*next).Get(ctx, nil); err != nil {
			return nil, classify("ListMethods", err)
		}
	}
	return out, nil
}
