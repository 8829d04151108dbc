package hrvendor

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// hibobEvent is Bob's webhooks v2 payload (docs/hr-sources.md).
type hibobEvent struct {
	Type        string         `json:"type"`
	TriggeredAt string         `json:"triggeredAt"`
	Version     string         `json:"version"`
	Text        string         `json:"text"` // the connection test's {"text":"Ping test"}
	Data        map[string]any `json:"data"`
}

// Parse reads a v2 delivery: one dataless notice for an employee event, none for the connection test ("Ping
// test") or for other event families (time off, tasks, documents).
func (b *HiBob) Parse(body []byte, now time.Time) ([]Notice, error) {
	trimmed := bytes.TrimSpace(body)
	if isHiBobPing(trimmed) {
		return nil, nil
	}
	var ev hibobEvent
	if err := decodeJSON(trimmed, &ev); err != nil {
		return nil, fmt.Errorf("hibob: body is not a JSON object: %w", ErrPayload)
	}
	if ev.Type == "" && ev.Text != "" {
		return nil, nil
	}
	kind := hibobKind(ev.Type)
	if kind == "" {
		return nil, nil
	}
	if ev.Data == nil {
		return nil, fmt.Errorf("hibob: %s event without data (is it a v1 webhook? create a v2 one): %w", ev.Type, ErrPayload)
	}
	id := idString(ev.Data["employeeId"])
	if id == "" {
		return nil, fmt.Errorf("hibob: %s event without data.employeeId: %w", ev.Type, ErrPayload)
	}
	return []Notice{{
		Vendor: VendorHiBob, DeliveryID: "hibob:" + bodyDigest(body), EmployeeID: id, Kind: kind,
		OccurredAt: readTime(ev.TriggeredAt), ChangedFields: fieldUpdates(ev.Data["fieldUpdates"]),
	}}, nil
}

// isHiBobPing reports whether a trimmed body is Bob's connection test sent as bare text.
func isHiBobPing(trimmed []byte) bool {
	return string(trimmed) == "Ping test" || string(trimmed) == `"Ping test"`
}

// hibobKind maps a v2 event type to a notice kind; "" for events that are not about an employee's lifecycle.
// Lifecycle and table events become "updated": the fetched record says what is now true.
func hibobKind(t string) string {
	switch t {
	case "employee.created":
		return KindCreated
	case "employee.updated", "table.entry.created", "table.entry.updated", "employee.joined",
		"employee.activated", "employee.inactivated", "employee.temporaryLeave":
		return KindUpdated
	case "employee.left":
		return KindTerminated
	case "employee.deleted":
		return KindDeleted
	}
	return ""
}

// fieldUpdates reads data.fieldUpdates as field ids: strings, or objects with fieldId, id or field (the element
// shape is not documented, docs/hr-sources.md). nil when absent.
func fieldUpdates(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, e := range list {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for _, k := range []string{"fieldId", "id", "field"} {
				if s, ok := x[k].(string); ok && s != "" {
					out = append(out, s)
					break
				}
			}
		}
	}
	return out
}

// sameField reports whether a changed-field name from a payload names the mapped field: exactly, ignoring case,
// or once Bob's "root." prefix is dropped from either.
func sameField(changed, mapped string) bool {
	if changed == "" || mapped == "" {
		return false
	}
	c := strings.TrimPrefix(changed, "root.")
	m := strings.TrimPrefix(mapped, "root.")
	return strings.EqualFold(c, m)
}
