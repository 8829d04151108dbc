package graphemu

import (
	"strconv"
	"strings"
	"time"
)

// reportFilter is a parsed $filter of a reports collection: clauses joined by "and".
type reportFilter []filterClause

// filterClause is one "property op value" comparison.
type filterClause struct {
	prop string    // lower-case property path
	op   string    // eq, ge or le
	str  string    // the value of a string property
	at   time.Time // the value of the time property
	time bool      // the clause compares the collection's time property
}

// reportCollection describes what a reports collection lets $filter and $orderby use.
type reportCollection struct {
	name     string   // directoryAudits, signIns
	timeProp string   // activityDateTime, createdDateTime: eq, ge, le with a DateTimeOffset
	strProps []string // eq with a quoted string
}

// supported describes the filterable properties for error messages.
func (c reportCollection) supported() string {
	return c.timeProp + " (eq, ge, le) and " + strings.Join(c.strProps, ", ") + " (eq)"
}

// filterToken is a token of a $filter: a word or a quoted string.
type filterToken struct {
	text   string
	quoted bool
}

// tokenizeFilter splits raw into words and quoted strings, in which a doubled single quote stands for one. ok
// is false for an unterminated string.
func tokenizeFilter(raw string) (toks []filterToken, ok bool) {
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			toks = append(toks, filterToken{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\'':
			flush()
			j, s, closed := i+1, strings.Builder{}, false
			for ; j < len(raw); j++ {
				if raw[j] == '\'' {
					if j+1 < len(raw) && raw[j+1] == '\'' {
						s.WriteByte('\'')
						j++
						continue
					}
					closed = true
					break
				}
				s.WriteByte(raw[j])
			}
			if !closed {
				return nil, false
			}
			toks, i = append(toks, filterToken{text: s.String(), quoted: true}), j
		case c == ' ' || c == '\t':
			flush()
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return toks, true
}

// parseReportFilter parses raw for collection c; msg, when not empty, is the 400 message. Messages name the
// clause by its position and never repeat the caller's text.
func parseReportFilter(raw string, c reportCollection) (reportFilter, string) {
	if strings.TrimSpace(raw) == "" {
		return nil, ""
	}
	toks, ok := tokenizeFilter(raw)
	if !ok {
		return nil, "Invalid filter clause: a string literal is not terminated."
	}
	var f reportFilter
	for n := 1; len(toks) > 0; n++ {
		if len(toks) < 3 {
			return nil, "Invalid filter clause " + strconv.Itoa(n) + ": expected 'property operator value'."
		}
		cl, msg := parseClause(toks[:3], c, n)
		if msg != "" {
			return nil, msg
		}
		f, toks = append(f, cl), toks[3:]
		if len(toks) > 0 {
			if toks[0].quoted || !strings.EqualFold(toks[0].text, "and") || len(toks) == 1 {
				return nil, "Invalid filter: only comparisons joined by 'and' are supported on " + c.name +
					" (no 'or', 'not', functions or parentheses)."
			}
			toks = toks[1:]
		}
	}
	return f, ""
}

// parseClause parses one "property op value" (the n-th clause) of collection c.
func parseClause(t []filterToken, c reportCollection, n int) (filterClause, string) {
	where := "Invalid filter clause " + strconv.Itoa(n) + ": "
	if t[0].quoted || t[1].quoted || strings.ContainsAny(t[0].text+t[1].text+t[2].text, "()") {
		return filterClause{}, where + "functions and parentheses are not supported on " + c.name + "."
	}
	prop, op := strings.ToLower(t[0].text), strings.ToLower(t[1].text)
	if prop == strings.ToLower(c.timeProp) {
		if op != "eq" && op != "ge" && op != "le" {
			return filterClause{}, where + c.timeProp + " supports only eq, ge and le."
		}
		at, err := time.Parse(time.RFC3339Nano, t[2].text)
		if t[2].quoted || err != nil {
			return filterClause{}, where + c.timeProp + " takes an unquoted DateTimeOffset such as 2025-06-02T09:00:00Z."
		}
		return filterClause{prop: prop, op: op, at: at, time: true}, ""
	}
	known := false
	for _, p := range c.strProps {
		known = known || strings.ToLower(p) == prop
	}
	switch {
	case !known:
		return filterClause{}, where + "the property is not filterable on " + c.name + "; use " + c.supported() + "."
	case op != "eq":
		return filterClause{}, where + "string properties support only eq."
	case !t[2].quoted:
		return filterClause{}, where + "a string value must be in single quotes."
	}
	return filterClause{prop: prop, op: op, str: t[2].text}, ""
}

// matches reports whether le passes every clause of f.
func (f reportFilter) matches(le *logEntry) bool {
	for _, cl := range f {
		if !cl.time {
			if !strings.EqualFold(le.fields[cl.prop], cl.str) {
				return false
			}
			continue
		}
		switch cl.op {
		case "eq":
			if !le.at.Equal(cl.at) {
				return false
			}
		case "ge":
			if le.at.Before(cl.at) {
				return false
			}
		case "le":
			if le.at.After(cl.at) {
				return false
			}
		}
	}
	return true
}
