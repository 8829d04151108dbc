package graphemu

import (
	"net/http"
	"slices"
	"strings"
)

// Messages of the membership control calls' 404s; none repeats a value of the request.
const (
	msgNoSuchGroup = "No such group: neither a group of the control API nor a group id a user names."
	msgNoSuchUser  = "No such user in the directory."
	msgNotAMember  = "The user is not a direct member of the group."
)

// lockGroup locks the emulator and finds the group a control call names (a group of the control API or an
// implicit one); when there is none it answers 404, unlocks and returns nil. The caller unlocks with the
// returned func.
func (e *Emulator) lockGroup(w http.ResponseWriter, r *http.Request, id string) (*groupTrack, func()) {
	e.mu.Lock()
	tr := e.st.liveGroup(id)
	if tr == nil {
		e.mu.Unlock()
		writeError(w, r, http.StatusNotFound, codeNotFound, msgNoSuchGroup)
		return nil, nil
	}
	return tr, e.mu.Unlock
}

// addMemberCtl serves POST /_emulator/groups/{id}/members {"id":"<user id or upn>"}: the user becomes a direct
// member (204, also when it already was one) and the groups delta reports it added.
func (e *Emulator) addMemberCtl(w http.ResponseWriter, r *http.Request, p []string) {
	var body struct {
		ID string `json:"id"`
	}
	if err := strictDecode(r, &body); err != nil || strings.TrimSpace(body.ID) == "" {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, `invalid member: the body must be {"id":"<user id or userPrincipalName>"}`)
		return
	}
	tr, unlock := e.lockGroup(w, r, p[0])
	if tr == nil {
		return
	}
	defer unlock()
	u := e.st.findUser(strings.TrimSpace(body.ID))
	if u == nil {
		writeError(w, r, http.StatusNotFound, codeNotFound, msgNoSuchUser)
		return
	}
	if !slices.ContainsFunc(u.groups, func(id string) bool { return strings.EqualFold(id, tr.id) }) {
		u.groups = append(u.groups, tr.id)
		e.st.trackGroups(e.now().UTC())
	}
	writeNoContent(w, http.StatusNoContent)
}

// removeMemberCtl serves DELETE /_emulator/groups/{id}/members/{user id or upn}: the user leaves the group
// (204; 404 when it is not a direct member) and the groups delta reports it removed.
func (e *Emulator) removeMemberCtl(w http.ResponseWriter, r *http.Request, p []string) {
	tr, unlock := e.lockGroup(w, r, p[0])
	if tr == nil {
		return
	}
	defer unlock()
	u := e.st.findUser(p[1])
	isGroup := func(id string) bool { return strings.EqualFold(id, tr.id) }
	if u == nil || !slices.ContainsFunc(u.groups, isGroup) {
		writeError(w, r, http.StatusNotFound, codeNotFound, msgNotAMember)
		return
	}
	u.groups = slices.DeleteFunc(u.groups, isGroup)
	e.st.trackGroups(e.now().UTC())
	writeNoContent(w, http.StatusNoContent)
}

// deleteGroupCtl serves DELETE /_emulator/groups/{id}: the group and every membership in it go, and the groups
// delta reports it removed, reason "changed" (a deletion deletedItems could undo) or, with ?permanent=true,
// "deleted".
func (e *Emulator) deleteGroupCtl(w http.ResponseWriter, r *http.Request, p []string) {
	reason, ok := removalReason(w, r)
	if !ok {
		return
	}
	tr, unlock := e.lockGroup(w, r, p[0])
	if tr == nil {
		return
	}
	defer unlock()
	e.st.removeGroup(tr, reason, e.now().UTC())
	writeNoContent(w, http.StatusNoContent)
}
