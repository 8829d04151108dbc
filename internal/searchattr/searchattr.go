// Package searchattr defines tapflow's custom Temporal search attributes, typed, in one place: the workflows
// set them, the dev server and doctor register them, and the CLI and Web UI query them. None holds PII.
package searchattr

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// The custom search attributes.
var (
	// Stage is where a journey stands (e.g. waiting_for_start, awaiting_registration, done).
	Stage = temporal.NewSearchAttributeKeyKeyword("TapflowStage")
	// Outcome is how a journey ended (e.g. registered, expired, departed).
	Outcome = temporal.NewSearchAttributeKeyKeyword("TapflowOutcome")
	// Kind is the lifecycle kind: joiner, mover, leaver, recovery.
	Kind = temporal.NewSearchAttributeKeyKeyword("TapflowKind")
	// EmployeeID is the HR system's employee id (never a name or an e-mail address).
	EmployeeID = temporal.NewSearchAttributeKeyKeyword("EmployeeId")
	// TapExpiresAt is when the current pass expires.
	TapExpiresAt = temporal.NewSearchAttributeKeyTime("TapExpiresAt")
	// UserID is the Entra object id of the account the journey's pass is for (a GUID, never a name or mail): how
	// the tenant watch finds the journey an audit or sign-in entry is about.
	UserID = temporal.NewSearchAttributeKeyKeyword("TapflowUserId")
)

// Definitions returns every custom search attribute with its index type, for registration.
func Definitions() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		Stage.GetName():        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		Outcome.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		Kind.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		EmployeeID.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		TapExpiresAt.GetName(): enumspb.INDEXED_VALUE_TYPE_DATETIME,
		UserID.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}
