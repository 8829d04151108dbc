// Package delivery turns a notice (a new pass, a reminder, an expiry) into a message and sends it: a mail
// through Graph from the sender mailbox, or a signed webhook. Templates are built in and can be overridden.
package delivery

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"golang.org/x/text/language"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// Templates renders notices. Dir, when set, holds overrides: <kind>.<lang>.html.tmpl, <kind>.html.tmpl,
// <kind>.<lang>.txt.tmpl, <kind>.txt.tmpl, each defining a "subject" template and the body.
type Templates struct {
	Dir string
}

// rendered is one message: its subject and bodies.
type rendered struct {
	Subject string
	HTML    string
	Text    string
}

// render renders a kind of notice in the language (e.g. "en-GB", falling back to "en" and then the default).
func (t Templates) render(kind, lang string, data any) (rendered, error) {
	var out rendered
	html, err := t.find(kind, lang, "html")
	if err != nil {
		return out, err
	}
	ht, err := htmltemplate.New(kind).Parse(html)
	if err != nil {
		return out, fmt.Errorf("parse the %s HTML template: %w", kind, err)
	}
	var body, subject bytes.Buffer
	if err := ht.Execute(&body, data); err != nil {
		return out, fmt.Errorf("render the %s HTML template: %w", kind, err)
	}
	if err := ht.ExecuteTemplate(&subject, "subject", data); err != nil {
		return out, fmt.Errorf("render the %s subject: %w", kind, err)
	}
	out.HTML, out.Subject = strings.TrimSpace(body.String()), strings.TrimSpace(subject.String())
	if text, err := t.find(kind, lang, "txt"); err == nil {
		tt, err := texttemplate.New(kind).Parse(text)
		if err != nil {
			return out, fmt.Errorf("parse the %s text template: %w", kind, err)
		}
		var tb bytes.Buffer
		if err := tt.Execute(&tb, data); err != nil {
			return out, fmt.Errorf("render the %s text template: %w", kind, err)
		}
		out.Text = strings.TrimSpace(tb.String())
	}
	return out, nil
}

// Override returns the override directory's most specific template of a kind for a language (kind.lang.ext.tmpl,
// kind.base.ext.tmpl, kind.ext.tmpl), or ok false when the directory has none: how the pickup page speaks the
// mail templates' languages.
func (t Templates) Override(kind, lang, ext string) (string, bool) {
	if t.Dir == "" {
		return "", false
	}
	for _, n := range templateNames(kind, lang, ext) {
		if data, err := os.ReadFile(filepath.Join(t.Dir, n)); err == nil {
			return string(data), true
		}
	}
	return "", false
}

// find returns the most specific template: override directory first, language before default. The language
// comes from the user's Graph record (preferredLanguage), so it names a file only once it parses as a BCP 47
// tag, in its canonical form (letters, digits, hyphens): anything else gets the default template.
func (t Templates) find(kind, lang, ext string) (string, error) {
	names := templateNames(kind, lang, ext)
	if t.Dir != "" {
		for _, n := range names {
			if data, err := os.ReadFile(filepath.Join(t.Dir, n)); err == nil {
				return string(data), nil
			}
		}
	}
	for _, n := range names {
		if data, err := builtin.ReadFile("templates/" + n); err == nil {
			return string(data), nil
		}
	}
	return "", fmt.Errorf("no %s template for %q", ext, kind)
}

// templateNames are a kind's template file names for a language, most specific first. The language names a file
// only once it parses as a BCP 47 tag, in its canonical form (letters, digits, hyphens).
func templateNames(kind, lang, ext string) []string {
	var names []string
	if tag, err := language.Parse(lang); err == nil && lang != "" {
		lang = tag.String()
		names = append(names, fmt.Sprintf("%s.%s.%s.tmpl", kind, lang, ext))
		if base, _, ok := strings.Cut(lang, "-"); ok {
			names = append(names, fmt.Sprintf("%s.%s.%s.tmpl", kind, base, ext))
		}
	}
	return append(names, fmt.Sprintf("%s.%s.tmpl", kind, ext))
}
