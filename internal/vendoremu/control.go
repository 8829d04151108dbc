package vendoremu

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"time"
)

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

func (e *Emulator) controlRoutes() {
	e.mux.HandleFunc("POST /_emulator/employees", e.handleCreate)
	e.mux.HandleFunc("GET /_emulator/employees/{id}", e.handleGet)
	e.mux.HandleFunc("PATCH /_emulator/employees/{id}", e.handlePatch)
	e.mux.HandleFunc("DELETE /_emulator/employees/{id}", e.handleDelete)
	e.mux.HandleFunc("GET /_emulator/deliveries", e.handleDeliveries)
	e.mux.HandleFunc("PUT /_emulator/webhook", e.handleWebhook)
	e.mux.HandleFunc("POST /_emulator/send", e.handleSend)
}

// employeeRequest is the body of POST and PATCH /_emulator/employees: fields to set (a null value removes the
// field) and, for PATCH, the kind of change to announce (updated, the default, or terminated).
type employeeRequest struct {
	ID     string             `json:"id"`
	Fields map[string]*string `json:"fields"`
	Kind   string             `json:"kind"`
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, maxControlBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be a JSON object"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (e *Emulator) handleCreate(w http.ResponseWriter, r *http.Request) {
	var req employeeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	e.mu.Lock()
	id := req.ID
	if id == "" {
		e.seq++
		id = e.fl.newID(e.seq)
	}
	if _, dup := e.employees[id]; dup {
		e.mu.Unlock()
		writeJSON(w, http.StatusConflict, map[string]string{"error": "an employee with this id exists"})
		return
	}
	f := map[string]string{}
	var names []string
	for k, v := range req.Fields {
		if v != nil {
			f[k] = *v
			names = append(names, k)
		}
	}
	e.employees[id] = f
	sort.Strings(names)
	c := change{kind: KindCreated, employeeID: id, changed: names, fields: copyFields(f), at: e.now()}
	e.announceLocked(c)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (e *Emulator) handleGet(w http.ResponseWriter, r *http.Request) {
	f, ok := e.employee(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such employee"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "fields": f})
}

func (e *Emulator) handlePatch(w http.ResponseWriter, r *http.Request) {
	var req employeeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	kind := KindUpdated
	if req.Kind == KindTerminated {
		kind = KindTerminated
	} else if req.Kind != "" && req.Kind != KindUpdated {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "kind must be updated or terminated"})
		return
	}
	id := r.PathValue("id")
	e.mu.Lock()
	defer e.mu.Unlock()
	f, ok := e.employees[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such employee"})
		return
	}
	var changed []string
	for k, v := range req.Fields {
		old, had := f[k]
		switch {
		case v == nil && had:
			delete(f, k)
		case v != nil && (!had || old != *v):
			f[k] = *v
		default:
			continue
		}
		changed = append(changed, k)
	}
	sort.Strings(changed)
	if len(changed) > 0 || kind == KindTerminated {
		e.announceLocked(change{kind: kind, employeeID: id, changed: changed, fields: copyFields(f), at: e.now()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "changed": changed})
}

func (e *Emulator) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.employees[id]; !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such employee"})
		return
	}
	delete(e.employees, id)
	e.announceLocked(change{kind: KindDeleted, employeeID: id, at: e.now()})
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) handleDeliveries(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Deliveries())
}

// webhookRequest is the body of PUT /_emulator/webhook. retry_delays_ms absent = the vendor's documented
// schedule; [] = no retries.
type webhookRequest struct {
	URL           string  `json:"url"`
	Secret        string  `json:"secret"`
	Repeat        int     `json:"repeat"`
	RetryDelaysMS []int64 `json:"retry_delays_ms"`
}

func (e *Emulator) handleWebhook(w http.ResponseWriter, r *http.Request) {
	var req webhookRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.URL == "" || req.Repeat < 0 || req.Repeat > 100 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "url is required and repeat must be 0-100"})
		return
	}
	h := webhook{URL: req.URL, Secret: req.Secret, Repeat: max(req.Repeat, 1), present: true, Delays: e.fl.defaultDelays()}
	if req.RetryDelaysMS != nil {
		h.Delays = make([]time.Duration, len(req.RetryDelaysMS))
		for i, ms := range req.RetryDelaysMS {
			h.Delays[i] = time.Duration(max(ms, 0)) * time.Millisecond
		}
	}
	e.mu.Lock()
	e.hook = h
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// sendRequest is the body of POST /_emulator/send.
type sendRequest struct {
	EmployeeID string `json:"employee_id"`
	Kind       string `json:"kind"`
	Forge      string `json:"forge"` // "", bad_signature or stale
}

func (e *Emulator) handleSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Kind == "" {
		req.Kind = KindUpdated
	}
	okKind := req.Kind == KindCreated || req.Kind == KindUpdated || req.Kind == KindTerminated || req.Kind == KindDeleted
	if req.EmployeeID == "" || !okKind || (req.Forge != "" && req.Forge != "bad_signature" && req.Forge != "stale") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "employee_id is required, kind must be " +
			"created, updated, terminated or deleted, forge empty, bad_signature or stale"})
		return
	}
	f, _ := e.employee(req.EmployeeID)
	d, err := e.sendNow(r.Context(), change{kind: req.Kind, employeeID: req.EmployeeID, fields: f, at: e.now()}, req.Forge)
	if err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": d.Status, "delivery_id": d.DeliveryID, "error": d.Error})
}
