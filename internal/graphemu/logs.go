package graphemu

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// The emulator keeps Entra's two activity logs in memory: directoryAudit entries (auditlog.go) and signIn
// entries (signins.go). Graph serves them only after an ingestion delay, as Entra does: each entry keeps the
// time of its fact (activityDateTime, createdDateTime) and becomes visible to GET /auditLogs/... a random
// while later (reports.go). The control API shows and tunes it here.

// maxLogEntries bounds each log of a long-running emulator; the oldest entries go first.
const maxLogEntries = 10000

// LogOptions configures the audit and sign-in logs. The zero value means no ingestion delay and no throttling,
// which is what most Go tests want; nil in Options means DefaultLogOptions.
type LogOptions struct {
	IngestionDelayMin time.Duration // an entry becomes visible at least this long after its fact
	IngestionDelayMax time.Duration // ... and at most this long
	ReportsPer10s     int           // GET auditLogs requests per app in any 10 seconds; 0 = unlimited
}

// DefaultLogOptions is what an emulator started without Options.Logs uses: entries appear 60 to 120 seconds
// after the fact, and each app may read the reports 5 times in 10 seconds, as Graph allows.
func DefaultLogOptions() LogOptions {
	return LogOptions{IngestionDelayMin: 60 * time.Second, IngestionDelayMax: 120 * time.Second, ReportsPer10s: 5}
}

// normalizeLogOptions returns the options to use for o (nil = the defaults), with impossible values repaired.
func (e *Emulator) normalizeLogOptions(o *LogOptions) LogOptions {
	if o == nil {
		return DefaultLogOptions()
	}
	out := *o
	if out.IngestionDelayMin < 0 || out.IngestionDelayMax < out.IngestionDelayMin || out.ReportsPer10s < 0 {
		e.log.Warn("graphemu: invalid log options, repaired", "min", out.IngestionDelayMin,
			"max", out.IngestionDelayMax, "reports_per_10s", out.ReportsPer10s)
		out.IngestionDelayMin = max(0, out.IngestionDelayMin)
		out.IngestionDelayMax = max(out.IngestionDelayMin, out.IngestionDelayMax)
		out.ReportsPer10s = max(0, out.ReportsPer10s)
	}
	return out
}

// logEntry is one directoryAudit or signIn entry.
type logEntry struct {
	seq    int64             // recording order, the tie-breaker of entries with the same time
	at     time.Time         // the fact: activityDateTime or createdDateTime
	jitter float64           // where in the delay range this entry lands, in [0, 1)
	fields map[string]string // filterable string properties, by lower-case property path
	body   map[string]any    // the Graph JSON (for a sign-in, with beta's authenticationDetails)
}

// logBook is the state of the logs; guarded by Emulator.mu.
type logBook struct {
	opts    LogOptions
	seq     int64
	audits  []*logEntry
	signIns []*logEntry
	hits    map[string][]time.Time // reports requests per app within the last 10 seconds (reports.go)
}

// newLogBook returns an empty log book with the given settings.
func newLogBook(opts LogOptions) *logBook {
	return &logBook{opts: opts, hits: map[string][]time.Time{}}
}

// record appends an entry for a fact at time at to list and returns it.
func (b *logBook) record(list *[]*logEntry, at time.Time, fields map[string]string, body map[string]any) *logEntry {
	b.seq++
	le := &logEntry{seq: b.seq, at: at.UTC(), jitter: rand.Float64(), fields: fields, body: body}
	if len(*list) >= maxLogEntries {
		*list = append((*list)[:0:0], (*list)[len(*list)-maxLogEntries+1:]...)
	}
	*list = append(*list, le)
	return le
}

// visibleAt is when le shows in Graph under the current delay setting.
func (b *logBook) visibleAt(le *logEntry) time.Time {
	spread := b.opts.IngestionDelayMax - b.opts.IngestionDelayMin
	return le.at.Add(b.opts.IngestionDelayMin + time.Duration(le.jitter*float64(spread)))
}

// logSettings is the body of GET and PUT /_emulator/logs.
type logSettings struct {
	IngestionDelaySeconds *[2]float64 `json:"ingestion_delay_seconds"`
	ReportsPer10s         *int        `json:"reports_per_10s"`
}

// settingsView renders the current settings.
func (b *logBook) settingsView() logSettings {
	d := [2]float64{b.opts.IngestionDelayMin.Seconds(), b.opts.IngestionDelayMax.Seconds()}
	n := b.opts.ReportsPer10s
	return logSettings{IngestionDelaySeconds: &d, ReportsPer10s: &n}
}

// apply validates s and applies the fields it sets; the error names the faulty field.
func (b *logBook) apply(s logSettings) error {
	opts := b.opts
	if d := s.IngestionDelaySeconds; d != nil {
		if d[0] < 0 || d[1] < d[0] || d[1] > 86400 {
			return errors.New("ingestion_delay_seconds: must be [min, max] with 0 <= min <= max <= 86400")
		}
		opts.IngestionDelayMin = time.Duration(d[0] * float64(time.Second))
		opts.IngestionDelayMax = time.Duration(d[1] * float64(time.Second))
	}
	if n := s.ReportsPer10s; n != nil {
		if *n < 0 {
			return errors.New("reports_per_10s: must be 0 (unlimited) or positive")
		}
		opts.ReportsPer10s = *n
	}
	b.opts = opts
	return nil
}

// getLogsCtl serves GET /_emulator/logs: the ingestion delay and the reports throttle.
func (e *Emulator) getLogsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	v := e.st.logs.settingsView()
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// putLogsCtl serves PUT /_emulator/logs. The delay applies to every entry, past ones too: each keeps its own
// place in the range, so narrowing the range to [0,0] shows everything recorded so far.
func (e *Emulator) putLogsCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var s logSettings
	if err := strictDecode(r, &s); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid log settings: "+err.Error())
		return
	}
	e.mu.Lock()
	err := e.st.logs.apply(s)
	v := e.st.logs.settingsView()
	e.mu.Unlock()
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// entriesView renders a log for the control API, oldest first, each with the time it becomes visible.
func (b *logBook) entriesView(list []*logEntry) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, le := range list {
		m := cloneBody(le.body)
		m["@emulator.visibleDateTime"] = fmtTime(b.visibleAt(le))
		out = append(out, m)
	}
	return out
}

// getLogEntriesCtl serves GET /_emulator/logs/entries: every entry recorded, visible in Graph yet or not.
func (e *Emulator) getLogEntriesCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	b := e.st.logs
	v := map[string]any{"directoryAudits": b.entriesView(b.audits), "signIns": b.entriesView(b.signIns)}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// deleteLogEntriesCtl serves DELETE /_emulator/logs/entries: both logs emptied, the settings kept.
func (e *Emulator) deleteLogEntriesCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.logs.audits, e.st.logs.signIns = nil, nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

// cloneBody copies the top level of an entry's JSON, so a view can drop or add keys; nested values are shared
// and never mutated.
func cloneBody(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decodeOptional reads an optional JSON control body into v: an empty body leaves v as is.
func decodeOptional(r *http.Request, v any) error {
	if err := strictDecode(r, v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid body: %w", err)
	}
	return nil
}

// lowerKeys returns m with lower-case keys, the form logEntry.fields uses.
func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
