package graphemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Values of the directoryAudit entries the "Authentication Methods" service writes (docs/emulator.md, "Audit
// and sign-in logs", says where each comes from).
const (
	LoggedByAuthenticationMethods = "Authentication Methods"
	AuditCategoryUserManagement   = "UserManagement"
	ActivityAdminRegistered       = "Admin registered security info"
	ActivityUserRegistered        = "User registered security info"
	ActivityAdminDeleted          = "Admin deleted security info"
	ActivityUserDeleted           = "User deleted security info"
)

// DefaultAppID is the appId the emulator records for a Graph call whose bearer token is not a JWT carrying an
// appid or azp claim: the static token of a worker pointed at the emulator is "tapflow's app".
const DefaultAppID = "5f0c7a3e-9b1d-4c2a-8e6f-7a9b0c1d2e3f"

// DefaultAppDisplayName is the app displayName recorded with DefaultAppID.
const DefaultAppDisplayName = "tapflow"

// auditActor is who did something: an app calling Graph, or a user in a portal.
type auditActor struct {
	app  *appActor
	user *userRec
	ip   string
}

// appActor is the app of a Graph call, read from its bearer token.
type appActor struct {
	appID, displayName, servicePrincipalID string
}

// tokenClaims are the claims of an Entra access token the emulator reads (v1 tokens carry appid, v2 azp).
type tokenClaims struct {
	AppID          string `json:"appid"`
	AZP            string `json:"azp"`
	AppDisplayName string `json:"app_displayname"`
	OID            string `json:"oid"`
}

// callerApp returns the app behind r's bearer token. The token is not verified: a JWT's appid (or azp) claim
// names the app; any other token is DefaultAppID's.
func callerApp(r *http.Request) *appActor {
	_, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) == 3 {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
		var c tokenClaims
		if err == nil && json.Unmarshal(raw, &c) == nil && (c.AppID != "" || c.AZP != "") {
			id := c.AppID
			if id == "" {
				id = c.AZP
			}
			return &appActor{appID: id, displayName: c.AppDisplayName, servicePrincipalID: c.OID}
		}
	}
	return &appActor{appID: DefaultAppID, displayName: DefaultAppDisplayName, servicePrincipalID: stableGUID("sp:" + DefaultAppID)}
}

// initiatedByJSON renders the actor as Graph's auditActivityInitiator: exactly one of app and user is set.
func (a auditActor) initiatedByJSON() map[string]any {
	out := map[string]any{"app": nil, "user": nil}
	if a.app != nil {
		out["app"] = map[string]any{"appId": a.app.appID, "displayName": nullable(a.app.displayName),
			"servicePrincipalId": nullable(a.app.servicePrincipalID), "servicePrincipalName": nil}
	}
	if a.user != nil {
		out["user"] = map[string]any{"id": a.user.id, "displayName": nullable(a.user.displayName),
			"userPrincipalName": a.user.upn, "ipAddress": nullable(a.ip),
			"userType": nil, "homeTenantId": nil, "homeTenantName": nil}
	}
	return out
}

// methodLabels returns how the audit log names a method type: the words of a resultReason ("User registered
// Fido2 Authentication Method") and the value of the AuthenticationMethod detail ("Fido2").
func methodLabels(odataType string) (reason, detail string) {
	short := strings.TrimSuffix(strings.TrimPrefix(odataType, "#microsoft.graph."), "AuthenticationMethod")
	switch strings.ToLower(short) {
	case "temporaryaccesspass":
		return "temporary access pass method", "Temporary Access Pass"
	case "fido2":
		return "Fido2 Authentication Method", "Fido2"
	case "microsoftauthenticator":
		return "Authenticator App with Notification and Code", "Microsoft Authenticator"
	case "phone":
		return "Mobile Phone SMS", "Phone"
	case "windowshelloforbusiness":
		return "Windows Hello for Business", "Windows Hello for Business"
	case "softwareoath":
		return "Software OATH token", "Software OATH token"
	case "email":
		return "Email", "Email"
	}
	return short, short
}

// methodAudit is one registration or deletion of a method, to be written to the audit log.
type methodAudit struct {
	user      *userRec
	by        auditActor
	odataType string
	methodID  string
	deleted   bool
	modified  []map[string]any // targetResources[0].modifiedProperties
}

// activity returns the activityDisplayName, operationType and resultReason Entra writes. Whoever acts in a
// portal on someone else's methods is an admin; a user acting on their own methods, or an app through Graph
// (as observed for Temporary Access Passes an app creates), shows as "User ...".
func (m methodAudit) activity() (name, operation, reason string) {
	words, _ := methodLabels(m.odataType)
	who, verb, operation := "User", "registered", "Add"
	if m.deleted {
		verb, operation = "deleted", "Delete"
	}
	if m.by.user != nil && m.by.user != m.user {
		who, words = "Admin", words+" for user"
	}
	return who + " " + verb + " security info", operation, who + " " + verb + " " + words
}

// auditMethodLocked writes m to the audit log at now; e.mu must be held.
func (e *Emulator) auditMethodLocked(m methodAudit, now time.Time) {
	name, operation, reason := m.activity()
	_, detail := methodLabels(m.odataType)
	modified := m.modified
	if modified == nil {
		modified = []map[string]any{}
	}
	id := "Authentication Methods_" + newGUID()
	body := map[string]any{
		"id": id, "category": AuditCategoryUserManagement, "correlationId": newGUID(),
		"result": "success", "resultReason": reason, "activityDisplayName": name,
		"activityDateTime": fmtTime(now), "loggedByService": LoggedByAuthenticationMethods, "operationType": operation,
		"initiatedBy": m.by.initiatedByJSON(),
		"targetResources": []map[string]any{{"id": m.user.id, "displayName": nullable(m.user.displayName),
			"type": "User", "userPrincipalName": m.user.upn, "groupType": nil, "modifiedProperties": modified}},
		"additionalDetails": []map[string]any{{"key": "AuthenticationMethod", "value": detail},
			{"key": "AuthenticationMethodId", "value": m.methodID}},
	}
	fields := map[string]string{"id": id, "activityDisplayName": name, "loggedByService": LoggedByAuthenticationMethods,
		"category": AuditCategoryUserManagement, "correlationId": body["correlationId"].(string), "result": "success"}
	if m.by.app != nil {
		fields["initiatedBy/app/appId"] = m.by.app.appID
	}
	if m.by.user != nil {
		fields["initiatedBy/user/id"] = m.by.user.id
		fields["initiatedBy/user/userPrincipalName"] = m.by.user.upn
	}
	b := e.st.logs
	b.record(&b.audits, now, lowerKeys(fields), body)
}

// passModified is the modifiedProperties of a pass creation: the usage Entra records as AccessPassUsage.
func passModified(t *tapRec) []map[string]any {
	usage := "Multiple"
	if t.usableOnce {
		usage = "OneTime"
	}
	return []map[string]any{{"displayName": "AccessPassUsage", "oldValue": nil, "newValue": usage}}
}
