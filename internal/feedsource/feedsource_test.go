package feedsource

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOnlyListedDirectoriesAndOriginsAreAllowed(t *testing.T) {
	s, err := Parse(" /srv/hr , https://HR.example , http://127.0.0.1:8080")
	require.NoError(t, err)
	for _, ok := range []string{"/srv/hr/starters.csv", "/srv/hr/2026/12/starters.csv", "https://hr.example/export/starters.csv",
		"http://127.0.0.1:8080/feed.csv"} {
		require.NoError(t, s.Allow(ok), ok)
	}
	for _, bad := range []string{"/proc/self/environ", "/srv/hr", "/srv/hr/../secret.csv", "/srv/hrx/feed.csv", "starters.csv",
		"https://evil.example/feed.csv", "https://hr.example.evil.example/feed.csv", "https://user@hr.example/feed.csv",
		"http://hr.example/feed.csv", "https://hr.example:8443/feed.csv", "file:///srv/hr/feed.csv"} {
		err := s.Allow(bad)
		require.ErrorIs(t, err, ErrNotAllowed, bad)
		require.NotContains(t, err.Error(), bad, "the refusal does not repeat the source")
	}
	require.ErrorIs(t, Sources{}.Allow("/srv/hr/starters.csv"), ErrNotAllowed, "nothing is allowed until listed")
	require.True(t, Sources{}.Empty())
}

func TestABadItemIsNamedByItsPlace(t *testing.T) {
	for _, list := range []string{"/srv/hr,relative/dir", "/srv/hr,https://hr.example/path", "http://hr.example",
		"https://user:pw@hr.example"} {
		_, err := Parse(list)
		require.Error(t, err, list)
		require.Contains(t, err.Error(), Setting)
		require.Contains(t, err.Error(), "item ")
		require.NotContains(t, err.Error(), "pw@")
	}
}

// A symbolic link inside a listed directory that leads out of it is refused when the file is opened.
func TestALinkOutOfTheDirectoryIsRefused(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("x"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "feed.csv")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "real.csv"), []byte("x"), 0o600))
	s, err := Parse(dir)
	require.NoError(t, err)
	require.NoError(t, s.Allow(filepath.Join(dir, "feed.csv")), "as written, it is inside")
	_, err = s.Open(filepath.Join(dir, "feed.csv"))
	require.ErrorIs(t, err, ErrNotAllowed)
	f, err := s.Open(filepath.Join(dir, "real.csv"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
}
