package activities

import (
	"context"
	"time"

	"github.com/tapflow/tapflow/internal/dirsync"
)

// DirectorySyncSettings configure the directory source (TAPFLOW_DIRECTORY_SYNC...): one round of Graph's users
// delta query per interval, its changes in scope handed to the intake as HR events.
type DirectorySyncSettings struct {
	On       bool          `json:"on"`
	Interval time.Duration `json:"interval"` // between rounds
	// Rules are the scope and the rules that turn changes into events (not read by the workflow).
	Rules dirsync.Rules `json:"-"`
}

// DefaultDirectorySyncSettings are the directory source's defaults: off, a round a minute.
func DefaultDirectorySyncSettings() DirectorySyncSettings {
	return DirectorySyncSettings{Interval: time.Minute, Rules: dirsync.DefaultRules()}
}

// DirectorySyncSettings returns the directory source's settings (a local activity of its workflow).
func (s *Settings) DirectorySyncSettings(context.Context) (DirectorySyncSettings, error) {
	return s.Directory, nil
}
