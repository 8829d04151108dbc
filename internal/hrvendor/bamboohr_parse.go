package hrvendor

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// bambooEvent is BambooHR's event-based payload (docs/hr-sources.md).
type bambooEvent struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      *struct {
		EmployeeID    any      `json:"employeeId"`
		ChangedFields []string `json:"changedFields"`
	} `json:"data"`
	Employees []bambooFieldEmployee `json:"employees"`
}

// bambooFieldEmployee is one employee of BambooHR's field-based (legacy, global) payload.
type bambooFieldEmployee struct {
	ID            any            `json:"id"`
	Action        string         `json:"action"`
	Timestamp     string         `json:"timestamp"`
	ChangedFields []string       `json:"changedFields"`
	Fields        map[string]any `json:"fields"`
}

// Parse reads an event-based delivery (one dataless notice) or a field-based one (a notice with a Record per
// employee). Event types other than employee ones give no notice.
func (b *BambooHR) Parse(body []byte, now time.Time) ([]Notice, error) {
	var ev bambooEvent
	if err := decodeJSON(body, &ev); err != nil {
		return nil, fmt.Errorf("bamboohr: body is not a JSON object (set the webhook's format to JSON): %w", ErrPayload)
	}
	delivery := "bamboohr:" + bodyDigest(body)
	if ev.Type != "" {
		return parseBambooEvent(ev, delivery)
	}
	if ev.Employees != nil {
		return parseBambooFields(ev.Employees, delivery)
	}
	return nil, fmt.Errorf("bamboohr: body has neither type nor employees: %w", ErrPayload)
}

func parseBambooEvent(ev bambooEvent, delivery string) ([]Notice, error) {
	kind := bambooKind(ev.Type)
	if kind == "" {
		return nil, nil // company.*, time off ...: not about an employee's lifecycle
	}
	if ev.Data == nil {
		return nil, fmt.Errorf("bamboohr: %s event without data: %w", ev.Type, ErrPayload)
	}
	id := idString(ev.Data.EmployeeID)
	if id == "" {
		return nil, fmt.Errorf("bamboohr: %s event without data.employeeId: %w", ev.Type, ErrPayload)
	}
	return []Notice{{
		Vendor: VendorBambooHR, DeliveryID: delivery, EmployeeID: id, Kind: kind,
		OccurredAt: readTime(ev.Timestamp), ChangedFields: ev.Data.ChangedFields,
	}}, nil
}

func parseBambooFields(emps []bambooFieldEmployee, delivery string) ([]Notice, error) {
	out := make([]Notice, 0, len(emps))
	for i, e := range emps {
		id := idString(e.ID)
		kind := bambooKind(e.Action)
		if id == "" || kind == "" {
			return nil, fmt.Errorf("bamboohr: employees[%d] needs id and an action of Created, Updated or Deleted: %w", i, ErrPayload)
		}
		n := Notice{Vendor: VendorBambooHR, DeliveryID: delivery, EmployeeID: id, Kind: kind,
			OccurredAt: readTime(e.Timestamp), ChangedFields: e.ChangedFields}
		if len(emps) > 1 {
			n.DeliveryID = delivery + ":" + strconv.Itoa(i)
		}
		if len(e.Fields) > 0 {
			n.Record = Record{"id": id}
			FlattenJSON(e.Fields, "", n.Record)
		}
		out = append(out, n)
	}
	return out, nil
}

// bambooKind maps an event type or a field-based action to a notice kind; "" for anything else.
func bambooKind(t string) string {
	switch strings.ToLower(t) {
	case "employee.created", "employee_with_fields.created", "created":
		return KindCreated
	case "employee.updated", "employee_with_fields.updated", "updated":
		return KindUpdated
	case "employee.deleted", "employee_with_fields.deleted", "deleted":
		return KindDeleted
	}
	return ""
}

// idString renders a JSON id (string or number) as a string; "" for anything else.
func idString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// readTime reads a vendor timestamp, zero when absent or unreadable.
func readTime(s string) time.Time {
	t, err := parseVendorTime(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t
}
