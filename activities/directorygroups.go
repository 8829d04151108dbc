package activities

import (
	"context"
	"errors"
	"time"

	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/graph"
)

// groupsRound reads one round of the groups delta query over the scope and privileged groups: a user added to
// a privileged group becomes a job change that makes them privileged, one added to a scope group is read as
// new to the source. The first round (no link) only records who the members are. A link Graph forgot starts
// a first round again.
func (d *DirectorySync) groupsRound(ctx context.Context, link string, res *DirectorySyncResult) (string, error) {
	groups := d.Rules.WatchedGroups()
	if d.Groups == nil || len(groups) == 0 {
		return "", nil
	}
	next, err := d.groupsFrom(ctx, link, groups, res)
	if err != nil && link != "" && graph.IsDeltaExpired(err) {
		logger(ctx).Warn("Graph no longer knows the directory source's groups delta link: reading the memberships afresh")
		next, err = d.groupsFrom(ctx, "", groups, res)
	}
	return next, err
}

func (d *DirectorySync) groupsFrom(ctx context.Context, link string, groups []string, res *DirectorySyncResult) (string, error) {
	round := dirsync.RoundKey("groups:" + link)
	return d.Groups.GroupMembersDelta(ctx, link, groups, func(m graph.MemberChange) error {
		if link == "" || m.Removed {
			return nil
		}
		res.Users++
		return d.memberAdded(ctx, m, round, res)
	})
}

// memberAdded reads the user who joined a watched group and hands in what it means.
func (d *DirectorySync) memberAdded(ctx context.Context, m graph.MemberChange, round string, res *DirectorySyncResult) error {
	u, err := d.Directory.GetDirectoryUser(ctx, m.UserID, d.Rules.Select())
	var ge *graph.Error
	switch {
	case errors.As(err, &ge) && ge.Kind == graph.KindNotFound:
		d.skip(ctx, u, dirsync.SkipRemoved, false, res)
		return nil
	case err != nil:
		return err
	}
	events, why := d.Rules.MemberAdded(u, m.GroupID, round, time.Now())
	if elig := d.Rules.Eligible(u); elig != "" {
		d.skip(ctx, u, elig, len(events) > 0, res)
		return nil
	}
	if why != "" {
		d.skip(ctx, u, why, why == dirsync.SkipBadTimeZone, res)
		return nil
	}
	if why, err = d.inScope(ctx, u); err != nil {
		return err
	}
	if why != "" {
		d.skip(ctx, u, why, true, res)
		return nil
	}
	for _, e := range events {
		if err := d.submit(ctx, e, res); err != nil {
			return err
		}
	}
	return nil
}
