package graphemu

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Domain is a domain of the tenant, an entry of a Seed's domains and of PUT /_emulator/domains.
type Domain struct {
	ID                 string   `json:"id"` // the domain name; lowercased
	IsVerified         bool     `json:"isVerified"`
	IsDefault          bool     `json:"isDefault"` // when no domain is, the first verified one becomes the default
	IsInitial          bool     `json:"isInitial"`
	AuthenticationType string   `json:"authenticationType,omitempty"` // "Managed" (default) or "Federated"
	SupportedServices  []string `json:"supportedServices,omitempty"`  // nil = ["Email"] when verified, [] otherwise
}

// domainsBody is the body of GET and PUT /_emulator/domains.
type domainsBody struct {
	Domains []Domain `json:"domains"`
}

// DefaultDomains returns the domains of a tenant whose seed names none: contoso.example, verified and default.
func DefaultDomains() []Domain {
	return []Domain{{ID: DemoDomain, IsVerified: true, IsDefault: true, AuthenticationType: "Managed",
		SupportedServices: []string{"Email"}}}
}

// cloneDomains returns a deep copy of ds.
func cloneDomains(ds []Domain) []Domain {
	out := make([]Domain, len(ds))
	for i, d := range ds {
		d.SupportedServices = append([]string{}, d.SupportedServices...)
		out[i] = d
	}
	return out
}

// normalizeDomains validates ds and returns a normalized copy; the error names the faulty entry.
func normalizeDomains(ds []Domain) ([]Domain, error) {
	out := cloneDomains(ds)
	seen := map[string]int{}
	defaults := 0
	for i := range out {
		d := &out[i]
		d.ID = strings.ToLower(strings.TrimSpace(d.ID))
		switch {
		case d.ID == "":
			return nil, fmt.Errorf("domains[%d].id is required", i)
		case strings.ContainsAny(d.ID, " @/") || !strings.Contains(d.ID, "."):
			return nil, fmt.Errorf("domains[%d].id %q is not a domain name such as contoso.example", i, d.ID)
		}
		if j, dup := seen[d.ID]; dup {
			return nil, fmt.Errorf("domains[%d].id %q duplicates domains[%d]", i, d.ID, j)
		}
		seen[d.ID] = i
		switch {
		case d.AuthenticationType == "" || strings.EqualFold(d.AuthenticationType, "Managed"):
			d.AuthenticationType = "Managed"
		case strings.EqualFold(d.AuthenticationType, "Federated"):
			d.AuthenticationType = "Federated"
		default:
			return nil, fmt.Errorf("domains[%d].authenticationType must be \"Managed\" or \"Federated\"", i)
		}
		if ds[i].SupportedServices == nil && d.IsVerified {
			d.SupportedServices = []string{"Email"}
		}
		if d.IsDefault {
			defaults++
		}
	}
	if defaults > 1 {
		return nil, errors.New("only one domain may have isDefault true")
	}
	if i := slices.IndexFunc(out, func(d Domain) bool { return d.IsVerified }); defaults == 0 && i >= 0 {
		out[i].IsDefault = true
	}
	return out, nil
}

// domainJSON renders d as GET /v1.0/domains lists it.
func domainJSON(d Domain) map[string]any {
	return map[string]any{
		"id": d.ID, "authenticationType": d.AuthenticationType, "availabilityStatus": nil,
		"isAdminManaged": true, "isDefault": d.IsDefault, "isInitial": d.IsInitial, "isRoot": true,
		"isVerified": d.IsVerified, "passwordNotificationWindowInDays": 14,
		"passwordValidityPeriodInDays": 2147483647, "state": nil,
		"supportedServices": append([]string{}, d.SupportedServices...),
	}
}

// listDomains serves GET /domains, with an optional $select.
func (e *Emulator) listDomains(w http.ResponseWriter, r *http.Request, _ []string) {
	sel := parseSelect(r)
	e.mu.Lock()
	domains := cloneDomains(e.st.domains)
	e.mu.Unlock()
	value := make([]map[string]any, 0, len(domains))
	for _, d := range domains {
		obj, bad := selectProps(domainJSON(d), sel)
		if bad != "" {
			writeUnknownTypeProperty(w, r, bad, "microsoft.graph.domain")
			return
		}
		value = append(value, obj)
	}
	ctx := baseURL(r) + "/$metadata#domains"
	if sel != nil {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": ctx, "value": value})
}

// getDomainsCtl serves GET /_emulator/domains.
func (e *Emulator) getDomainsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	body := domainsBody{Domains: cloneDomains(e.st.domains)}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// putDomainsCtl serves PUT /_emulator/domains: replace the tenant's domains.
func (e *Emulator) putDomainsCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var body domainsBody
	if err := strictDecode(r, &body); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid domains: "+err.Error())
		return
	}
	if body.Domains == nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "domains is required: {\"domains\":[{\"id\":\"contoso.example\",\"isVerified\":true}]}")
		return
	}
	domains, err := normalizeDomains(body.Domains)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	e.mu.Lock()
	e.st.domains = domains
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, domainsBody{Domains: cloneDomains(domains)})
}
