package graphemu

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Error codes and messages that mimic Microsoft Graph.
const (
	codeBadRequest        = "BadRequest"
	codeRequestBadRequest = "Request_BadRequest"
	codeNotFound          = "Request_ResourceNotFound"
	codeInvalidToken      = "InvalidAuthenticationToken"
	codeTapBadRequest     = "badRequest"

	msgEmptyToken  = "Access token is empty."
	msgBadPayload  = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
	msgNotAllowed  = "Specified HTTP method is not allowed for the request uri."
	msgNoMailbox   = "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
	msgNoRecipient = "At least one recipient is required, but none were found."
	msgConverged   = "Unable to add Temporary Access Pass. - Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
)

// reqIDsKey is the context key under which the request's correlation ids are kept.
type reqIDsKey struct{}

// reqIDs are the correlation values Graph echoes in headers and error bodies.
type reqIDs struct {
	requestID       string
	clientRequestID string
	date            time.Time
}

// withIDs returns r carrying ids in its context.
func withIDs(r *http.Request, ids reqIDs) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), reqIDsKey{}, ids))
}

// idsFrom returns the correlation ids of r (zero values when absent).
func idsFrom(r *http.Request) reqIDs {
	ids, _ := r.Context().Value(reqIDsKey{}).(reqIDs)
	return ids
}

// errorBody is the {"error":{...}} envelope of every Graph error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the content of a Graph error.
type errorDetail struct {
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	InnerError map[string]string `json:"innerError"`
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"generalException","message":"Failed to encode the response."}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeNoContent writes an empty response with the given status (204 or 202).
func writeNoContent(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

// writeError writes a Graph error body with the standard innerError.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeErrorExtra(w, r, status, code, message, nil)
}

// writeErrorExtra writes a Graph error body whose innerError also carries extra.
func writeErrorExtra(w http.ResponseWriter, r *http.Request, status int, code, message string, extra map[string]string) {
	ids := idsFrom(r)
	inner := map[string]string{
		"date":              ids.date.UTC().Format(time.RFC3339),
		"request-id":        ids.requestID,
		"client-request-id": ids.clientRequestID,
	}
	for k, v := range extra {
		inner[k] = v
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: message, InnerError: inner}})
}

// writeNotFound writes the directory's 404 for a missing object named ref.
func writeNotFound(w http.ResponseWriter, r *http.Request, ref string) {
	writeError(w, r, http.StatusNotFound, codeNotFound,
		"Resource '"+ref+"' does not exist or one of its queried reference-property objects are not present.")
}

// writeBadPayload writes the 400 Graph answers for unreadable JSON.
func writeBadPayload(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusBadRequest, codeBadRequest, msgBadPayload)
}

// faultCode maps an injected status to the error code Graph uses for it.
func faultCode(status int) (code, message string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Too many requests."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."
	case http.StatusGatewayTimeout:
		return "gatewayTimeout", "The gateway did not receive a timely response."
	case http.StatusInternalServerError:
		return "generalException", "An internal server error occurred."
	default:
		return "generalException", "An error occurred while processing the request."
	}
}
