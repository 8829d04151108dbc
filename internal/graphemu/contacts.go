package graphemu

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// SeedContact is an organizational contact (#microsoft.graph.orgContact) of a Seed, also the body of
// POST /_emulator/contacts. A user's managerId may name a contact's id.
type SeedContact struct {
	ID          string `json:"id,omitempty"` // empty = a new GUID
	DisplayName string `json:"displayName"`
	Mail        string `json:"mail,omitempty"`
}

// contactRec is an organizational contact as the emulator holds it.
type contactRec struct {
	id          string
	displayName string
	mail        string
}

// addContact validates sc and adds it; it returns the new contact.
func (s *state) addContact(sc SeedContact) (*contactRec, error) {
	if strings.TrimSpace(sc.DisplayName) == "" {
		return nil, errors.New("displayName is required")
	}
	id := strings.ToLower(strings.TrimSpace(sc.ID))
	if id == "" {
		id = newGUID()
	}
	if s.findContact(id) != nil || s.findUser(id) != nil || s.findGroup(id) != nil {
		return nil, fmt.Errorf("id %q is already in use", id)
	}
	c := &contactRec{id: id, displayName: sc.DisplayName, mail: strings.TrimSpace(sc.Mail)}
	s.contacts = append(s.contacts, c)
	return c, nil
}

// findContact returns the contact with the given id (case-insensitively), or nil.
func (s *state) findContact(id string) *contactRec {
	for _, c := range s.contacts {
		if strings.EqualFold(c.id, id) {
			return c
		}
	}
	return nil
}

// contactManagerOf returns u's manager when it is an organizational contact, or nil.
func (s *state) contactManagerOf(u *userRec) *contactRec {
	if u.managerRef == "" || s.findUser(u.managerRef) != nil {
		return nil
	}
	return s.findContact(u.managerRef)
}

// contactProp returns the canonical name and value of an orgContact property, or ok=false if it has none.
func contactProp(c *contactRec, name string) (string, any, bool) {
	switch strings.ToLower(name) {
	case "id":
		return "id", c.id, true
	case "displayname":
		return "displayName", c.displayName, true
	case "mail":
		return "mail", nullable(c.mail), true
	}
	unmodelled := map[string]string{"givenname": "givenName", "surname": "surname", "jobtitle": "jobTitle",
		"companyname": "companyName", "department": "department", "mailnickname": "mailNickname"}
	if canon, ok := unmodelled[strings.ToLower(name)]; ok {
		return canon, nil, true
	}
	return "", nil, false
}

// contactJSON renders c with the selected properties (id, displayName and mail when selected is nil). A
// selected user property an orgContact lacks is left out, as the $select of a manager may name user
// properties; a property neither type has is refused (bad names it).
func contactJSON(c *contactRec, selected []string) (map[string]any, string, bool) {
	props := selected
	if props == nil {
		props = []string{"id", "displayName", "mail"}
	}
	out := map[string]any{}
	for _, p := range props {
		if name, v, ok := contactProp(c, p); ok {
			out[name] = v
			continue
		}
		if _, _, ok := userProp(&userRec{}, p); !ok {
			return nil, p, false
		}
	}
	return out, "", true
}

// managerJSON renders u's manager, a user or an organizational contact, with its @odata.type; found is false
// when u has none, bad names an unknown selected property. s's owner must hold e.mu.
func (s *state) managerJSON(u *userRec, selected []string) (body map[string]any, found bool, bad string) {
	if m := s.managerOf(u); m != nil {
		body, bad, ok := userJSON(m, selected)
		if !ok {
			return nil, true, bad
		}
		body["@odata.type"] = "#microsoft.graph.user"
		return body, true, ""
	}
	if c := s.contactManagerOf(u); c != nil {
		body, bad, ok := contactJSON(c, selected)
		if !ok {
			return nil, true, bad
		}
		body["@odata.type"] = "#microsoft.graph.orgContact"
		return body, true, ""
	}
	return nil, false, ""
}

// contactView renders c as the control API shows it.
func contactView(c *contactRec) map[string]any {
	return map[string]any{"id": c.id, "displayName": c.displayName, "mail": nullable(c.mail)}
}

// listContactsCtl serves GET /_emulator/contacts.
func (e *Emulator) listContactsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := make([]map[string]any, 0, len(e.st.contacts))
	for _, c := range e.st.contacts {
		out = append(out, contactView(c))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// addContactCtl serves POST /_emulator/contacts.
func (e *Emulator) addContactCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var sc SeedContact
	if err := strictDecode(r, &sc); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid contact: "+err.Error())
		return
	}
	e.mu.Lock()
	c, err := e.st.addContact(sc)
	e.mu.Unlock()
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, contactView(c))
}
