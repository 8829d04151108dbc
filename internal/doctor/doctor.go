package doctor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/internal/issuance"
)

// Target is what the doctor examines, resolved from the worker's configuration by the caller.
type Target struct {
	TemporalAddress  string
	Temporal         client.Client // nil when dialing failed
	DialErr          error
	Namespace        string
	SearchAttributes map[string]enumspb.IndexedValueType // the ones tapflow needs

	Graph     graph.Client
	Token     func(context.Context) (string, error) // the bearer token Graph would get
	RealGraph bool                                  // Entra, not the emulator or a proxy with a static token
	RateLimit float64                               // --graph-rate-limit
	Sender    string                                // the sender mailbox; "" when delivery is by webhook
	Binding   string                                // --identity-binding
	// PrivilegedGroups and RecipientDomains are --privileged-groups and --recipient-domains.
	PrivilegedGroups []string
	RecipientDomains []string
	// Issuance and SecurityMailbox are the issuance guard's limits and where its alerts go.
	Issuance        issuance.Limits
	SecurityMailbox string
	// TaskQueue is the workflows' task queue, where the issuance guard runs.
	TaskQueue string
	// Pickup says passes are delivered by pickup link, whose page is reached at PublicURL.
	Pickup    bool
	PublicURL string
	// Watch says the tenant watch is on (TAPFLOW_TENANT_WATCH): its health and its permissions are checked.
	Watch bool
	// Directory says the directory source is on (TAPFLOW_DIRECTORY_SYNC); Vendors are the vendor webhooks
	// configured, VendorFetchers their API adapters (nil when VendorConfigErr says why not).
	Directory       bool
	Vendors         []string
	VendorFetchers  map[string]hrvendor.Adapter
	VendorConfigErr error
}

// Run runs every check and returns the checklist. It never returns the Graph token or any part of it.
func Run(ctx context.Context, t Target) Report {
	var r Report
	checkTemporal(ctx, &r, t)
	checkIssuance(ctx, &r, t)
	checkPickup(ctx, &r, t)
	checkWatch(ctx, &r, t)
	sctx, cancel := context.WithTimeout(ctx, sourceTimeout)
	checkSources(sctx, &r, t)
	cancel()
	checkRateLimit(&r, t)
	checkBinding(&r, t)
	roles, tokenOK := checkToken(ctx, &r, t)
	if tokenOK {
		checkPermissions(ctx, &r, t, roles)
		checkPolicy(ctx, &r, t)
		checkSender(ctx, &r, t)
		checkTrustReads(ctx, &r, t)
	}
	return r
}

func checkTemporal(ctx context.Context, r *Report, t Target) {
	if t.DialErr != nil || t.Temporal == nil {
		r.add("Temporal reachable at "+t.TemporalAddress, Fail, fmt.Sprint(t.DialErr),
			"start the dev stack (go run ./worker) or set TEMPORAL_ADDRESS (and TEMPORAL_TLS_*/TEMPORAL_API_KEY) to your cluster")
		r.add("namespace and search attributes", Info, "not checked: Temporal is unreachable", "")
		return
	}
	r.add("Temporal reachable at "+t.TemporalAddress, OK, "", "")
	if _, err := t.Temporal.WorkflowService().DescribeNamespace(ctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: t.Namespace}); err != nil {
		r.add("namespace "+t.Namespace, Fail, err.Error(), "temporal operator namespace create --namespace "+t.Namespace)
		return
	}
	r.add("namespace "+t.Namespace, OK, "", "")
	resp, err := t.Temporal.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: t.Namespace})
	if err != nil {
		r.add("search attributes", Fail, err.Error(), "check that this identity may call the operator service")
		return
	}
	var missing, fixes []string
	for _, name := range sortedKeys(t.SearchAttributes) {
		want := t.SearchAttributes[name]
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != want {
			missing = append(missing, name)
			fixes = append(fixes, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s",
				t.Namespace, name, strings.TrimPrefix(want.String(), "INDEXED_VALUE_TYPE_")))
		}
	}
	if len(missing) > 0 {
		r.add("search attributes", Fail, "missing or of the wrong type: "+strings.Join(missing, ", "), strings.Join(fixes, "; "))
		return
	}
	r.add("search attributes", OK, fmt.Sprintf("%d registered", len(t.SearchAttributes)), "")
}

func checkRateLimit(r *Report, t Target) {
	switch {
	case t.RateLimit > 0:
		r.add("Graph task-queue rate limit", OK, fmt.Sprintf("%g calls/s across all workers", t.RateLimit), "")
	case !t.RealGraph:
		r.add("Graph task-queue rate limit", OK, "none; not needed without Entra", "")
	default:
		r.add("Graph task-queue rate limit", Fail, "none: N workers together can exceed the tenant's Graph budget and be throttled",
			"set --graph-rate-limit / TAPFLOW_GRAPH_RATE_LIMIT to a fraction of the tenant's Graph write budget, e.g. 5")
	}
}

// checkBinding warns when identity binding is off: any HR event could then name any account.
func checkBinding(r *Report, t Target) {
	if t.Binding == activities.BindOff {
		r.add("identity binding", Warn, "off: an HR event naming any account (an administrator's) under any employee id gets a pass for it",
			"set --identity-binding / TAPFLOW_IDENTITY_BINDING to employeeId, and each account's employeeId to its HR employee id")
		return
	}
	attr := t.Binding
	if attr == "" {
		attr = activities.BindEmployeeID
	}
	r.add("identity binding", OK, "a pass only for an account whose "+attr+" is the HR employee id", "")
}

// checkToken gets a token and reads its roles; ok is false when no token could be had.
func checkToken(ctx context.Context, r *Report, t Target) (roles []string, ok bool) {
	tok, err := t.Token(ctx)
	if err != nil {
		r.add("Graph token", Fail, err.Error(),
			"check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential (secret, certificate, managed or workload identity)")
		return nil, false
	}
	roles, isJWT := graph.TokenRoles(tok)
	if !isJWT {
		r.add("Graph token", OK, "a static token (emulator or proxy): permissions are probed with read calls", "")
		return nil, true
	}
	r.add("Graph token", OK, fmt.Sprintf("an Entra token with %d application permissions", len(roles)), "")
	if roles == nil {
		roles = []string{}
	}
	return roles, true
}

// errorDetail shortens a Graph error for the checklist.
func errorDetail(err error) string {
	var ge *graph.Error
	if errors.As(err, &ge) {
		return fmt.Sprintf("Graph answered %d %s", ge.Status, ge.Code)
	}
	return err.Error()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
