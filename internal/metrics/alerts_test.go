package metrics

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/tapflow/tapflow/internal/testkit"
)

// The alerting rules in deploy/alerts.yml are checked and unit-tested with Prometheus's promtool, and checked
// against the series this package exports.

// repoRoot is the directory holding go.mod, found upwards from the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test's directory")
		dir = parent
	}
}

func TestAlertRulesPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not on PATH: install Debian's prometheus package (apt-get install prometheus, as .ci/run " +
			"does) to check and unit-test deploy/alerts.yml")
	}
	root := repoRoot(t)
	for _, args := range [][]string{
		{"check", "rules", "deploy/alerts.yml"},
		{"test", "rules", "deploy/alerts_test.yml"},
		{"check", "config", "deploy/prometheus.yml"}, // it loads alerts.yml through rule_files
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, promtool, args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		cancel()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	seriesName     = regexp.MustCompile(`\btapflow_[a-z0-9_]+`)
	alertSelection = regexp.MustCompile(`tapflow_security_alerts_total\{reason="([a-z_]+)"\}`)
	histogramPart  = regexp.MustCompile(`_(bucket|sum|count)$`)
)

// Every rule names a series New exports, carries a severity and a reason (a security alert's own reason code)
// and tells people what to do; every security alert reason has a rule.
func TestAlertRulesMatchTheExportedSeries(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "alerts.yml"))
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(raw, &f))
	require.Len(t, f.Groups, 1)
	require.Equal(t, "tapflow", f.Groups[0].Name)
	scrape := testkit.Scrape(t, New().Handler())

	covered := map[string]bool{}
	for _, r := range f.Groups[0].Rules {
		require.NotEmpty(t, r.Alert, "only alerting rules: %q", r.Expr)
		require.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], r.Alert)
		require.NotEmpty(t, r.Labels["reason"], r.Alert)
		require.NotEmpty(t, r.Annotations["summary"], r.Alert)
		require.NotEmpty(t, r.Annotations["description"], r.Alert)
		names := seriesName.FindAllString(r.Expr, -1)
		require.NotEmpty(t, names, "%s reads tapflow's series", r.Alert)
		for _, n := range names {
			family := histogramPart.ReplaceAllString(n, "")
			require.Contains(t, scrape, "# TYPE "+family+" ", "%s reads %s, which tapflow does not export", r.Alert, n)
		}
		for _, m := range alertSelection.FindAllStringSubmatch(r.Expr, -1) {
			require.Contains(t, alertReasons, m[1], "%s selects an unknown reason", r.Alert)
			require.Equal(t, m[1], r.Labels["reason"], "%s is labelled with the reason it selects", r.Alert)
			covered[m[1]] = true
		}
	}
	for _, reason := range alertReasons {
		require.True(t, covered[reason], "no rule fires on tapflow_security_alerts_total{reason=%q}", reason)
	}
}
