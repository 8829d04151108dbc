// Package cliconf binds command-line flags to environment variables of the same name, so every setting can be
// given either way (flag wins), and turns a bad value into one line that names the flag or variable and what it
// accepts.
package cliconf

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Set registers flags on a pflag.FlagSet and remembers each one's environment variable.
type Set struct {
	fs   *pflag.FlagSet
	envs []binding
}

type binding struct{ flag, env string }

// New wraps a flag set.
func New(fs *pflag.FlagSet) *Set { return &Set{fs: fs} }

// EnvName is the variable for a flag: TEMPORAL_* and AZURE_* flags keep their well-known names
// (--temporal-address is TEMPORAL_ADDRESS), every other flag gets the TAPFLOW_ prefix.
func EnvName(flag string) string {
	name := strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
	if strings.HasPrefix(name, "TEMPORAL_") || strings.HasPrefix(name, "AZURE_") {
		return name
	}
	return "TAPFLOW_" + name
}

func (s *Set) add(name, usage string, v pflag.Value) {
	env := EnvName(name)
	s.fs.Var(v, name, usage+" [$"+env+"]")
	s.envs = append(s.envs, binding{flag: name, env: env})
}

// String binds a string setting.
func (s *Set) String(p *string, name, def, usage string) {
	*p = def
	s.add(name, usage, (*stringValue)(p))
}

// Bool binds a boolean setting.
func (s *Set) Bool(p *bool, name string, def bool, usage string) {
	*p = def
	s.add(name, usage, (*boolValue)(p))
	s.fs.Lookup(name).NoOptDefVal = "true"
}

// Int binds a whole-number setting that must be at least min.
func (s *Set) Int(p *int, name string, def, min int, usage string) {
	*p = def
	s.add(name, usage, &intValue{p: p, min: min})
}

// List binds a comma-separated list whose items must each be one of allowed.
func (s *Set) List(p *[]string, name string, def, allowed []string, usage string) {
	*p = def
	s.add(name, usage+" (comma-separated: "+strings.Join(allowed, ", ")+")", &listValue{p: p, allowed: allowed})
}

// Float binds a non-negative decimal setting.
func (s *Set) Float(p *float64, name string, def float64, usage string) {
	*p = def
	s.add(name, usage, (*floatValue)(p))
}

// Duration binds a duration setting ("90s", "5m").
func (s *Set) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	s.add(name, usage, (*durationValue)(p))
}

// Enum binds a setting that takes one of a fixed list of values.
func (s *Set) Enum(p *string, name, def string, allowed []string, usage string) {
	EnumOf(s, p, name, def, allowed, usage)
}

// EnumOf binds a setting of any string type that takes one of a fixed list of values.
func EnumOf[T ~string](s *Set, p *T, name string, def T, allowed []T, usage string) {
	*p = def
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	s.add(name, usage+" (one of "+strings.Join(names, ", ")+")", &enumValue[T]{p: p, allowed: allowed})
}

// Addr binds a host:port setting.
func (s *Set) Addr(p *string, name, def, usage string) {
	*p = def
	s.add(name, usage, (*addrValue)(p))
}

// ApplyEnv sets every flag not given on the command line from its environment variable, if set.
// lookup is os.LookupEnv in production; tests pass their own.
func (s *Set) ApplyEnv(lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	for _, b := range s.envs {
		f := s.fs.Lookup(b.flag)
		if f.Changed {
			continue
		}
		v, ok := lookup(b.env)
		if !ok || v == "" {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("invalid %s=%q: %v", b.env, v, err)
		}
		f.Changed = true
	}
	return nil
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Type() string       { return "string" }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) Type() string   { return "bool" }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration such as 30s, 5m or 1h")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }
func (v *durationValue) Type() string   { return "duration" }

type enumValue[T ~string] struct {
	p       *T
	allowed []T
}

func (v *enumValue[T]) Set(s string) error {
	if !slices.Contains(v.allowed, T(s)) {
		names := make([]string, len(v.allowed))
		for i, a := range v.allowed {
			names[i] = string(a)
		}
		return fmt.Errorf("want one of %s", strings.Join(names, ", "))
	}
	*v.p = T(s)
	return nil
}
func (v *enumValue[T]) String() string {
	if v.p == nil {
		return ""
	}
	return string(*v.p)
}
func (v *enumValue[T]) Type() string { return "string" }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != f {
		return fmt.Errorf("want a number of at least 0, such as 10 or 0.5")
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }
func (v *floatValue) Type() string   { return "float" }

type intValue struct {
	p   *int
	min int
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.min {
		return fmt.Errorf("want a whole number of at least %d", v.min)
	}
	*v.p = n
	return nil
}
func (v *intValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}
func (v *intValue) Type() string { return "int" }

type listValue struct {
	p       *[]string
	allowed []string
}

func (v *listValue) Set(s string) error {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !slices.Contains(v.allowed, item) {
			return fmt.Errorf("%q is not one of %s", item, strings.Join(v.allowed, ", "))
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		return fmt.Errorf("want at least one of %s", strings.Join(v.allowed, ", "))
	}
	*v.p = out
	return nil
}
func (v *listValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}
func (v *listValue) Type() string { return "list" }

type addrValue string

func (v *addrValue) Set(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port such as 127.0.0.1:7233")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	_ = host // an empty host listens on every interface
	*v = addrValue(s)
	return nil
}
func (v *addrValue) String() string { return string(*v) }
func (v *addrValue) Type() string   { return "host:port" }

// Changed reports whether a flag was given on the command line or by its environment variable (after ApplyEnv).
func (s *Set) Changed(name string) bool {
	f := s.fs.Lookup(name)
	return f != nil && f.Changed
}

// EnvNames lists the environment variables of every bound flag, in binding order.
func (s *Set) EnvNames() []string {
	out := make([]string, len(s.envs))
	for i, b := range s.envs {
		out[i] = b.env
	}
	return out
}
