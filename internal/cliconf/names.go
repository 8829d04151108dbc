package cliconf

import (
	"fmt"
	"strings"
)

// Names binds a comma-separated list of free-form names, each checked by check (which says what an item
// should be); empty means none.
func (s *Set) Names(p *[]string, name string, check func(string) error, usage string) {
	*p = nil
	s.add(name, usage+" (comma-separated)", &namesValue{p: p, check: check})
}

type namesValue struct {
	p     *[]string
	check func(string) error
}

func (v *namesValue) Set(s string) error {
	var out []string
	for i, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if err := v.check(item); err != nil {
			return fmt.Errorf("item %d: %w", i+1, err)
		}
		out = append(out, item)
	}
	*v.p = out
	return nil
}
func (v *namesValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}
func (v *namesValue) Type() string { return "list" }
