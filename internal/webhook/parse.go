package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// wireEvent is the JSON shape, with occurred_at as text so a bad time names its field.
type wireEvent struct {
	ID          string           `json:"id"`
	Type        hrevent.Type     `json:"type"`
	OccurredAt  string           `json:"occurred_at"`
	Employee    hrevent.Employee `json:"employee"`
	Changes     *hrevent.Changes `json:"changes,omitempty"`
	RequestedBy string           `json:"requested_by,omitempty"`
	Reason      string           `json:"reason,omitempty"`
}

// ParseEvent reads an event from a request body; headerID is the webhook-id, used when the body has no id.
// Every problem found is returned at once as hrevent.Problems, each naming its field.
func ParseEvent(body []byte, headerID string) (hrevent.Event, error) {
	var w wireEvent
	// Unknown fields are ignored: HR systems add their own. Missing and malformed ones are named.
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return hrevent.Event{}, hrevent.Problems{decodeProblem(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return hrevent.Event{}, hrevent.Problems{{Field: "body", Problem: "must hold exactly one JSON object"}}
	}
	e := hrevent.Event{ID: w.ID, Type: w.Type, Employee: w.Employee, Changes: w.Changes, RequestedBy: w.RequestedBy, Reason: w.Reason}
	if e.ID == "" {
		e.ID = headerID
	}
	var problems hrevent.Problems
	if w.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339, w.OccurredAt)
		if err != nil {
			problems = append(problems, hrevent.Problem{Field: "occurred_at",
				Problem: "must be an RFC 3339 time such as 2026-11-26T09:14:03Z"})
		}
		e.OccurredAt = t
	}
	if err := hrevent.Validate(e); err != nil {
		var ps hrevent.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				if p.Field == "occurred_at" && w.OccurredAt != "" {
					continue // already said why
				}
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		return hrevent.Event{}, problems
	}
	return e, nil
}

func decodeProblem(err error) hrevent.Problem {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		got, _, _ := strings.Cut(typeErr.Value, " ") // "number -5": the kind, not the value sent
		return hrevent.Problem{Field: field, Problem: fmt.Sprintf("must be a JSON %s, not a %s", jsonKind(typeErr.Type.Kind().String()), got)}
	case errors.As(err, &syntaxErr):
		return hrevent.Problem{Field: "body", Problem: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return hrevent.Problem{Field: "body", Problem: "empty or cut short: send one JSON event object"}
	}
	return hrevent.Problem{Field: "body", Problem: "not a JSON event object: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map", "ptr":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}
