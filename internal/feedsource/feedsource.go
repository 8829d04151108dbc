// Package feedsource is the allowlist of places a scheduled onboarding feed may be read from
// (TAPFLOW_FEED_SOURCES): directories on the workers and HTTPS origins. A schedule's source comes from whoever
// creates the schedule, and the worker reads it with its own rights, so without the list a schedule could read
// any file the worker can (its environment under /proc, say) or send the feed token to any host. Nothing is
// allowed until the list names it.
package feedsource

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Setting is the variable that holds the list, as workers and the starter read it.
const Setting = "TAPFLOW_FEED_SOURCES"

// ErrNotAllowed is a source outside the list. Its message names the setting, never the source.
var ErrNotAllowed = errors.New("the feed source is not under " + Setting + ": add its directory or https origin " +
	"to the setting (on the workers, and where schedules are created)")

// Sources is a parsed allowlist. The zero value allows nothing.
type Sources struct {
	dirs    []string // absolute, clean
	origins []string // scheme://host[:port], lower case
}

// Parse reads a comma-separated list of absolute directories and https:// origins (http:// only on loopback).
// A bad item is named by its position, not repeated.
func Parse(list string) (Sources, error) {
	var s Sources
	for i, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case strings.Contains(item, "://"):
			o, ok := origin(item)
			if !ok {
				return Sources{}, fmt.Errorf("%s: item %d is not an origin such as https://hr.example (no path, query or "+
					"user; http:// only on loopback)", Setting, i+1)
			}
			s.origins = append(s.origins, o)
		case filepath.IsAbs(item):
			s.dirs = append(s.dirs, filepath.Clean(item))
		default:
			return Sources{}, fmt.Errorf("%s: item %d is neither an absolute directory nor an https:// origin", Setting, i+1)
		}
	}
	return s, nil
}

// Empty reports that the list allows nothing.
func (s Sources) Empty() bool { return len(s.dirs) == 0 && len(s.origins) == 0 }

// Allow checks a source as written: a URL whose origin is listed, or an absolute path inside a listed directory.
func (s Sources) Allow(source string) error {
	if strings.Contains(source, "://") {
		u, err := url.Parse(source)
		if err != nil || u.User != nil {
			return ErrNotAllowed
		}
		o, ok := origin(u.Scheme + "://" + u.Host)
		if !ok || !slices.Contains(s.origins, o) {
			return ErrNotAllowed
		}
		return nil
	}
	if !filepath.IsAbs(source) || !inside(s.dirs, filepath.Clean(source)) {
		return ErrNotAllowed
	}
	return nil
}

// Open opens a file in a listed directory as an os.Root would: no symbolic link, ".." or race can lead it out of
// the directory, however the path was written or changed since it was checked.
func (s Sources) Open(path string) (*os.File, error) {
	if err := s.Allow(path); err != nil {
		return nil, err
	}
	path = filepath.Clean(path)
	for _, d := range s.dirs {
		if rel, err := filepath.Rel(d, path); err == nil && inside([]string{d}, path) {
			f, err := os.OpenInRoot(d, rel)
			if err != nil && strings.Contains(err.Error(), "escapes") {
				return nil, ErrNotAllowed
			}
			return f, err
		}
	}
	return nil, ErrNotAllowed
}

// origin normalises scheme://host[:port], refusing anything else and plain http off loopback.
func origin(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", false
	}
	host := u.Hostname()
	loopback := host == "localhost" || net.ParseIP(host).IsLoopback()
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

func inside(dirs []string, path string) bool {
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != "." {
			return true
		}
	}
	return false
}
