// Package secretscan looks for secret values (the passes the Graph emulator issued) in everything tapflow
// writes: workflow histories, logs, metrics, the database file. End-to-end tests fail on any finding.
package secretscan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"sort"
)

// Finding is one secret found in one source.
type Finding struct {
	Source string
	Offset int
}

func (f Finding) String() string { return fmt.Sprintf("%s at byte %d", f.Source, f.Offset) }

// Scan returns every place a secret appears in the sources: as itself, base64-encoded (as JSON payloads hold
// bytes), or HTML- or JS-escaped (as a rendered mail or a JSON string holds it). It never returns the secret.
func Scan(secrets []string, sources map[string][]byte) []Finding {
	var out []Finding
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		needles := append(base64Forms(s), []byte(s), []byte(template.HTMLEscapeString(s)),
			[]byte(template.JSEscapeString(s)), htmlTemplated(s), jsonString(s))
		for _, n := range names {
			for _, needle := range needles {
				if i := bytes.Index(sources[n], needle); i >= 0 {
					out = append(out, Finding{Source: n, Offset: i})
					break // one finding per secret and source
				}
			}
		}
	}
	return out
}

// Files reads files into sources by path; a missing file is skipped (a WAL that was checkpointed away).
func Files(paths ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		out[p] = data
	}
	return out, nil
}

// htmlTemplated is s as html/template writes it into a page (it escapes more than HTMLEscapeString: + is &#43;).
func htmlTemplated(s string) []byte {
	var b bytes.Buffer
	_ = template.Must(template.New("").Parse("{{.}}")).Execute(&b, s)
	return b.Bytes()
}

// jsonString is s as encoding/json writes it inside a string, without the quotes.
func jsonString(s string) []byte {
	data, _ := json.Marshal(s)
	return data[1 : len(data)-1]
}

// base64Forms is the secret as it shows inside a longer base64 text, at each of the three byte alignments: the
// characters that depend on the secret's bytes alone.
func base64Forms(s string) [][]byte {
	var out [][]byte
	for k := 0; k < 3; k++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		from, to := (8*k+5)/6, (8*(k+len(s)))/6
		if to-from >= 4 {
			out = append(out, []byte(enc[from:to]))
		}
	}
	return out
}
