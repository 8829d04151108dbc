package graph

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
)

// graphAudit is a directoryAudit as Graph writes it (v1.0): the fields the watch reads.
type graphAudit struct {
	ID                  string    `json:"id"`
	ActivityDisplayName string    `json:"activityDisplayName"`
	ActivityDateTime    time.Time `json:"activityDateTime"`
	OperationType       string    `json:"operationType"`
	Result              string    `json:"result"`
	ResultReason        string    `json:"resultReason"`
	InitiatedBy         struct {
		App *struct {
			AppID string `json:"appId"`
		} `json:"app"`
		User *struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"initiatedBy"`
	TargetResources []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		// Graph's own examples spell the type both ways.
		TypeQuirk string `json:"Type"`
	} `json:"targetResources"`
	AdditionalDetails []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"additionalDetails"`
}

// ListMethodAudits implements LogReader on GET /auditLogs/directoryAudits, filtered on the Authentication
// Methods service and the activity time.
func (s *SDK) ListMethodAudits(ctx context.Context, since time.Time) ([]AuditEntry, error) {
	filter := "loggedByService eq '" + LoggedByAuthenticationMethods + "' and activityDateTime ge " + odataTime(since)
	top := int32(1000)
	ri, err := auditlogs.NewAuditLogsRequestBuilderInternal(map[string]string{"baseurl": s.baseURL}, s.adapter).
		DirectoryAudits().ToGetRequestInformation(ctx, &auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.DirectoryAuditsRequestBuilderGetQueryParameters{Filter: &filter, Top: &top}})
	if err != nil {
		return nil, classify("ListMethodAudits", err)
	}
	raw, err := readLog[graphAudit](ctx, s, "ListMethodAudits", ri)
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, len(raw))
	for _, a := range raw {
		out = append(out, a.entry())
	}
	slices.SortStableFunc(out, func(a, b AuditEntry) int { return a.At.Compare(b.At) })
	return out, nil
}

// entry turns Graph's shape into the watch's.
func (a graphAudit) entry() AuditEntry {
	e := AuditEntry{ID: a.ID, At: a.ActivityDateTime, Activity: a.ActivityDisplayName, Result: a.Result,
		Detail: a.ResultReason, Operation: a.OperationType}
	if a.InitiatedBy.App != nil {
		e.ByAppID = a.InitiatedBy.App.AppID
	}
	if a.InitiatedBy.User != nil {
		e.ByUserID = a.InitiatedBy.User.ID
	}
	for _, t := range a.TargetResources {
		if strings.EqualFold(t.Type, "User") || strings.EqualFold(t.TypeQuirk, "User") {
			e.UserID = t.ID
			break
		}
	}
	for _, d := range a.AdditionalDetails {
		if strings.EqualFold(d.Key, "AuthenticationMethod") || strings.EqualFold(d.Key, "Authentication Method") {
			e.Method = d.Value
		}
	}
	if e.Method == "" && strings.Contains(strings.ToLower(a.ResultReason), "temporary access pass") {
		e.Method = LoggedTAP
	}
	return e
}

// graphSignIn is a signIn as Graph's beta endpoint writes it: authenticationDetails, which says a pass was
// used, is a beta property.
type graphSignIn struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	UserID          string    `json:"userId"`
	IPAddress       string    `json:"ipAddress"`
	ClientAppUsed   string    `json:"clientAppUsed"`
	AppDisplayName  string    `json:"appDisplayName"`
	Location        struct {
		City            string `json:"city"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	Status struct {
		ErrorCode int `json:"errorCode"`
	} `json:"status"`
	AuthenticationDetails []struct {
		AuthenticationMethod string `json:"authenticationMethod"`
		Succeeded            bool   `json:"succeeded"`
	} `json:"authenticationDetails"`
}

// ListSignIns implements LogReader on GET /beta/auditLogs/signIns (v1.0 has no authenticationDetails).
func (s *SDK) ListSignIns(ctx context.Context, since time.Time) ([]SignIn, error) {
	beta := strings.TrimSuffix(strings.TrimSuffix(s.baseURL, "/"), "/v1.0") + "/beta/auditLogs/signIns"
	u, err := url.Parse(beta)
	if err != nil {
		return nil, classify("ListSignIns", err)
	}
	u.RawQuery = url.Values{"$filter": {"createdDateTime ge " + odataTime(since)}, "$top": {"1000"}}.Encode()
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	raw, err := readLog[graphSignIn](ctx, s, "ListSignIns", ri)
	if err != nil {
		return nil, err
	}
	out := make([]SignIn, 0, len(raw))
	for _, g := range raw {
		si := SignIn{ID: g.ID, At: g.CreatedDateTime, UserID: g.UserID, IPAddress: g.IPAddress, City: g.Location.City,
			Country: g.Location.CountryOrRegion, ClientApp: g.ClientAppUsed, App: g.AppDisplayName, ErrorCode: g.Status.ErrorCode}
		for _, d := range g.AuthenticationDetails {
			if strings.EqualFold(d.AuthenticationMethod, LoggedTAP) {
				si.TAP, si.TAPSucceeded = true, d.Succeeded
			}
		}
		out = append(out, si)
	}
	slices.SortStableFunc(out, func(a, b SignIn) int { return a.At.Compare(b.At) })
	return out, nil
}
