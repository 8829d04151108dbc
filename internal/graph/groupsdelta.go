package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// GroupReader follows the groups delta query for the membership of a few groups: the directory source's read
// of who joined a privileged group or its scope (https://learn.microsoft.com/graph/api/group-delta).
type GroupReader interface {
	// GroupMembersDelta reads one round of the groups delta query over the given groups (at most 50) and calls
	// visit for each member added or removed; the first round ("" link) lists every current member as added. It
	// returns the round's deltaLink; a link Graph no longer knows gives an error for which IsDeltaExpired holds.
	GroupMembersDelta(ctx context.Context, link string, groups []string, visit func(MemberChange) error) (string, error)
}

var _ GroupReader = (*SDK)(nil)

// MaxDeltaGroups is how many groups one groups delta query may filter on.
const MaxDeltaGroups = 50

// MemberChange is a member added to or removed from a group.
type MemberChange struct {
	GroupID string
	UserID  string
	Removed bool
}

// groupDeltaPage is one page of the groups delta query.
type groupDeltaPage struct {
	Value []struct {
		ID      string `json:"id"`
		Members []struct {
			Type    string          `json:"@odata.type"`
			ID      string          `json:"id"`
			Removed json.RawMessage `json:"@removed"`
		} `json:"members@delta"`
	} `json:"value"`
}

// GroupMembersDelta implements GroupReader on GET /groups/delta?$select=id,members&$filter=id eq '…' or ….
func (s *SDK) GroupMembersDelta(ctx context.Context, link string, groups []string, visit func(MemberChange) error) (string, error) {
	ri, err := s.firstGroupsPage(link, groups)
	if err != nil {
		return "", err
	}
	return s.readDeltaRound(ctx, "GroupMembersDelta", ri, "", func(raw []byte) error {
		var page groupDeltaPage
		if err := json.Unmarshal(raw, &page); err != nil {
			return &Error{Op: "GroupMembersDelta", Kind: KindTransient, Err: fmt.Errorf("read the page: %w", err)}
		}
		for _, g := range page.Value {
			for _, m := range g.Members {
				if m.Type != "" && !strings.EqualFold(m.Type, "#microsoft.graph.user") {
					continue // a nested group or a device: its users are not tracked here
				}
				if err := visit(MemberChange{GroupID: strings.ToLower(g.ID), UserID: strings.ToLower(m.ID), Removed: len(m.Removed) > 0}); err != nil {
					return err
				}
			}
		}
		return nil
	}, nil)
}

// firstGroupsPage is the round's first request: the link of the round before, or a new query for the groups.
func (s *SDK) firstGroupsPage(link string, groups []string) (*abs.RequestInformation, error) {
	if link != "" {
		return s.nextPage("GroupMembersDelta", link)
	}
	if len(groups) == 0 || len(groups) > MaxDeltaGroups {
		return nil, &Error{Op: "GroupMembersDelta", Kind: KindInvalidRequest, Message: fmt.Sprintf("between 1 and %d groups", MaxDeltaGroups)}
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, "id eq '"+strings.ReplaceAll(g, "'", "''")+"'")
	}
	u, err := url.Parse(strings.TrimSuffix(s.baseURL, "/") + "/groups/delta")
	if err != nil {
		return nil, classify("GroupMembersDelta", err)
	}
	u.RawQuery = url.Values{"$select": {"id,members"}, "$filter": {strings.Join(ids, " or ")}}.Encode()
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	return ri, nil
}
