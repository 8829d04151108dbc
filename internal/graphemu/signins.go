package graphemu

import (
	"crypto/subtle"
	"net/http"
	"time"
)

// MySignInsAppID and MySignInsAppDisplayName name the first-party app the emulator's sign-ins go to: the
// My Sign-ins page (https://mysignins.microsoft.com), where a joiner registers their methods.
const (
	MySignInsAppID          = "19db86c3-b2b9-44cc-b339-36da233a3be2"
	MySignInsAppDisplayName = "My Signins"
)

// Sign-in error codes the emulator writes to status.errorCode (AADSTS codes of Microsoft's error reference;
// Microsoft documents none of its own for a Temporary Access Pass).
const (
	SignInErrorInvalidCredentials = 50126 // InvalidUserNameOrPassword
	SignInErrorUserDisabled       = 50057 // UserDisabled
)

// Failure reasons written with those codes.
const (
	failureInvalidCredentials = "Error validating credentials due to invalid username or password."
	failureTAPBlocked         = "Temporary Access Pass sign in was blocked due to User Credential Policy"
	failureUserDisabled       = "User account is disabled. The account has been disabled by an administrator."
)

// signInMethod maps a method name of the control contract to authenticationDetails' authenticationMethod.
func signInMethod(method string) (string, bool) {
	switch method {
	case "temporaryAccessPass":
		return "Temporary Access Pass", true
	case "password":
		return "Password", true
	case "fido2":
		return "FIDO2 security key", true
	case "windowsHelloForBusiness":
		return "Windows Hello for Business", true
	case "microsoftAuthenticator":
		return "Authenticator App", true
	}
	return "", false
}

// signInRequest is the body of POST /_emulator/users/{id}/signin.
type signInRequest struct {
	Method        string         `json:"method"`
	Pass          string         `json:"pass"`
	IPAddress     string         `json:"ipAddress"`
	ClientAppUsed string         `json:"clientAppUsed"`
	Location      signInLocation `json:"location"`
}

// signInLocation is the location of a sign-in, as Graph's signInLocation has it.
type signInLocation struct {
	City            string `json:"city"`
	State           string `json:"state"`
	CountryOrRegion string `json:"countryOrRegion"`
}

// signInResult is the outcome of a sign-in attempt.
type signInResult struct {
	succeeded bool
	errorCode int
	failure   string // status.failureReason
	details   string // status.additionalDetails: the pass's usability reason
}

// tryPassLocked checks pass against u's current pass, as a sign-in does: valid when it is the pass, usable when
// its window and the policy allow it now; a usable one-time pass is consumed. e.mu must be held.
func (e *Emulator) tryPassLocked(u *userRec, pass string) (valid, usable bool, reason string) {
	t := u.tap
	if t == nil {
		return false, false, "NoTemporaryAccessPass"
	}
	if subtle.ConstantTimeCompare([]byte(t.pass), []byte(pass)) != 1 {
		return false, false, "PassMismatch"
	}
	usable, reason = t.usability(e.st.policy, u, e.now())
	if usable && t.usableOnce {
		t.used = true
	}
	return true, usable, reason
}

// attemptLocked decides a sign-in of u with req; e.mu must be held.
func (e *Emulator) attemptLocked(u *userRec, req signInRequest) signInResult {
	if !u.accountEnabled {
		return signInResult{errorCode: SignInErrorUserDisabled, failure: failureUserDisabled}
	}
	if req.Method != "temporaryAccessPass" {
		return signInResult{succeeded: true}
	}
	valid, usable, reason := e.tryPassLocked(u, req.Pass)
	switch {
	case !valid:
		return signInResult{errorCode: SignInErrorInvalidCredentials, failure: failureInvalidCredentials, details: reason}
	case !usable:
		return signInResult{errorCode: SignInErrorInvalidCredentials, failure: failureTAPBlocked, details: reason}
	}
	return signInResult{succeeded: true}
}

// signInCtl serves POST /_emulator/users/{id}/signin: a person signs in at the My Sign-ins page. A pass is
// checked as /tap/verify checks it; other methods succeed unchecked. Either way a signIn entry is written.
func (e *Emulator) signInCtl(w http.ResponseWriter, r *http.Request, p []string) {
	var req signInRequest
	if err := strictDecode(r, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid sign-in: "+err.Error())
		return
	}
	if _, ok := signInMethod(req.Method); !ok {
		writeError(w, r, http.StatusBadRequest, codeBadRequest,
			"method: use temporaryAccessPass, password, fido2, windowsHelloForBusiness or microsoftAuthenticator")
		return
	}
	if req.ClientAppUsed == "" {
		req.ClientAppUsed = "Browser"
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	res := e.attemptLocked(u, req)
	id := e.recordSignInLocked(u, req, res, e.now().UTC())
	writeJSON(w, http.StatusOK, map[string]any{"succeeded": res.succeeded, "errorCode": res.errorCode,
		"failureReason": nullable(res.failure), "reason": nullable(res.details), "signInId": id})
}

// recordSignInLocked writes the signIn entry of an attempt at now and returns its id; e.mu must be held.
func (e *Emulator) recordSignInLocked(u *userRec, req signInRequest, res signInResult, now time.Time) string {
	id := newGUID()
	method, _ := signInMethod(req.Method)
	body := map[string]any{
		"id": id, "createdDateTime": fmtTime(now), "userDisplayName": nullable(u.displayName),
		"userPrincipalName": u.upn, "userId": u.id, "appId": MySignInsAppID, "appDisplayName": MySignInsAppDisplayName,
		"ipAddress": nullable(req.IPAddress), "clientAppUsed": req.ClientAppUsed, "correlationId": newGUID(),
		"conditionalAccessStatus": "notApplied", "isInteractive": true, "riskDetail": "none",
		"riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
		"riskEventTypes": []string{}, "riskEventTypes_v2": []string{},
		"resourceDisplayName": MySignInsAppDisplayName, "resourceId": MySignInsAppID,
		"status": map[string]any{"errorCode": res.errorCode, "failureReason": nullable(res.failure),
			"additionalDetails": nullable(res.details)},
		"deviceDetail": map[string]any{"deviceId": "", "displayName": nil, "operatingSystem": nil, "browser": nil,
			"isCompliant": nil, "isManaged": nil, "trustType": nil},
		"location": map[string]any{"city": nullable(req.Location.City), "state": nullable(req.Location.State),
			"countryOrRegion": nullable(req.Location.CountryOrRegion), "geoCoordinates": nil},
		"appliedConditionalAccessPolicies": []any{},
		// beta only (reports.go drops it from v1.0 answers)
		"authenticationDetails": []map[string]any{{"authenticationStepDateTime": fmtTime(now),
			"authenticationMethod": method, "authenticationMethodDetail": nil,
			"succeeded": res.succeeded, "authenticationStepRequirement": "Primary authentication",
			"authenticationStepResultDetail": nullable(res.failure)}},
	}
	fields := map[string]string{"id": id, "userId": u.id, "userPrincipalName": u.upn, "appId": MySignInsAppID,
		"appDisplayName": MySignInsAppDisplayName, "clientAppUsed": req.ClientAppUsed,
		"correlationId": body["correlationId"].(string), "ipAddress": req.IPAddress}
	b := e.st.logs
	b.record(&b.signIns, now, lowerKeys(fields), body)
	return id
}
