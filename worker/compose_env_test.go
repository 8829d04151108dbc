package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/testkit"
)

// workerConfig applies a service's environment to the worker's own settings, as the binary does at start.
func workerConfig(t *testing.T, env map[string]string) (stack.Config, error) {
	var cfg stack.Config
	set := cliconf.New(pflag.NewFlagSet("worker", pflag.ContinueOnError))
	stack.Bind(set, &cfg)
	for name := range env {
		require.Contains(t, set.EnvNames(), name, "compose sets %s, which the worker does not read", name)
	}
	require.NoError(t, set.ApplyEnv(testkit.Env(env)),
		"every value in the compose file is one the worker accepts")
	cfg.Journey.PollIntervalSet = set.Changed("poll-interval")
	return cfg, cfg.Check()
}

func TestComposeWorkersGetEverythingTheyRequire(t *testing.T) {
	for mode, env := range map[stack.GraphMode]map[string]string{stack.GraphEntra: operatorEnv(t), stack.GraphEndpoint: emulatorEnv(t)} {
		p := loadCompose(t, env, "*")
		cfg, err := workerConfig(t, environment(service(t, p, "tapflow-worker")))
		require.NoError(t, err, "the worker starts with what the compose file gives it (%s)", mode)
		require.Equal(t, mode, cfg.Mode())
		require.False(t, cfg.DevTemporal(), "the workers join the cluster")
		require.Equal(t, "temporal:7233", cfg.Temporal.Address)
		require.Equal(t, "0.0.0.0:9090", cfg.HTTPAddress)
		if mode == stack.GraphEndpoint {
			u, err := url.Parse(cfg.Graph.BaseURL)
			require.NoError(t, err)
			require.Equal(t, "graph-emulator:"+port(t, environment(service(t, p, "graph-emulator"))["TAPFLOW_EMULATOR_ADDRESS"]), u.Host)
		}
		// The Web UI's codec endpoint is the first worker's published /codec, and the workers allow the UI's origin.
		ui := environment(service(t, p, "temporal-ui"))
		require.Equal(t, "http://127.0.0.1:9090/codec", ui["TEMPORAL_CODEC_ENDPOINT"])
		require.Equal(t, "http://127.0.0.1:8080", cfg.CodecOrigin)
	}
	// Each required secret, left out of .env, stops the workers with a message that names it.
	for _, name := range []string{"TAPFLOW_ENCRYPTION_KEYS", "TAPFLOW_CODEC_TOKEN", "TAPFLOW_SENDER_MAILBOX", "AZURE_CLIENT_SECRET"} {
		env := operatorEnv(t)
		delete(env, name)
		_, err := workerConfig(t, environment(service(t, loadCompose(t, env), "tapflow-worker")))
		require.ErrorContains(t, err, name)
	}
	env := emulatorEnv(t)
	delete(env, "TAPFLOW_GRAPH_URL")
	delete(env, "TAPFLOW_GRAPH_STATIC_TOKEN")
	_, err := workerConfig(t, environment(service(t, loadCompose(t, env), "tapflow-worker")))
	require.ErrorContains(t, err, "AZURE_TENANT_ID", "no Graph at all: the emulator is never used silently")
}

func TestComposePrometheusScrapesWorkersAndReceivers(t *testing.T) {
	p := loadCompose(t, operatorEnv(t))
	prom := service(t, p, "prometheus")
	require.Contains(t, prom.Command, "--config.file=/etc/prometheus/prometheus.yml")
	var file string
	for _, v := range prom.Volumes {
		if v.Target == "/etc/prometheus/prometheus.yml" {
			file = v.Source
		}
	}
	require.Equal(t, filepath.Join(p.WorkingDir, "deploy", "prometheus.yml"), file)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var cfg struct {
		ScrapeConfigs []struct {
			JobName     string `yaml:"job_name"`
			MetricsPath string `yaml:"metrics_path"`
			DNSSD       []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	scraped := map[string]int{} // service name -> port, from DNS service discovery
	for _, sc := range cfg.ScrapeConfigs {
		for _, d := range sc.DNSSD {
			require.Equal(t, "A", d.Type)
			for _, n := range d.Names {
				scraped[n] = d.Port
			}
		}
	}
	worker, starter := environment(service(t, p, "tapflow-worker")), environment(service(t, p, "tapflow-starter"))
	require.Equal(t, port(t, worker["TAPFLOW_HTTP_ADDRESS"]), strconv.Itoa(scraped["tapflow-worker"]), "every worker replica")
	require.Equal(t, port(t, starter["TAPFLOW_METRICS_ADDRESS"]), strconv.Itoa(scraped["tapflow-starter"]), "the receivers' own metrics port")
	require.NotEqual(t, port(t, starter["TAPFLOW_WEBHOOK_ADDRESS"]), port(t, starter["TAPFLOW_METRICS_ADDRESS"]), "metrics apart from the webhook")
}

// Every variable the compose file interpolates is documented in .env.example, and nothing else is; the
// secrets there are left empty.
func TestComposeEnvExampleDocumentsEveryVariable(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	used := map[string]bool{}
	ref := regexp.MustCompile(`(^|[^$])\$\{([A-Z][A-Z0-9_]*)`)
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range ref.FindAllStringSubmatch(line, -1) {
			used[m[2]] = true
		}
	}
	set, commented := envExample(t)
	documented := map[string]bool{}
	for name := range set {
		documented[name] = true
	}
	for name := range commented {
		documented[name] = true
	}
	require.Equal(t, used, documented)
	for name, value := range set {
		require.Empty(t, value, ".env.example leaves %s for the operator to fill in", name)
	}
	for _, name := range []string{"POSTGRES_PASSWORD", "TAPFLOW_ENCRYPTION_KEYS", "TAPFLOW_CODEC_TOKEN", "TAPFLOW_WEBHOOK_SECRET"} {
		require.Contains(t, set, name, "the required secrets are not commented out")
	}
}

func TestComposeDevProfileRunsTheDevStackWithSettingsTheWorkerKnows(t *testing.T) {
	dev := service(t, loadCompose(t, nil, "dev"), "tapflow-dev")
	require.Equal(t, []string{"sh", "-c", "go build -o /tmp/tapflow-worker ./worker && exec /tmp/tapflow-worker --data-dir=/data"},
		[]string(dev.Command))
	require.True(t, strings.HasPrefix(dev.Image, "golang:1.26"), dev.Image)
	env := environment(dev)
	var cfg stack.Config
	set := cliconf.New(pflag.NewFlagSet("worker", pflag.ContinueOnError))
	stack.Bind(set, &cfg)
	var published []string
	for _, p := range dev.Ports {
		published = append(published, p.HostIP+":"+p.Published+":"+strconv.Itoa(int(p.Target)))
	}
	for name, value := range env {
		require.True(t, slices.Contains(set.EnvNames(), name), "compose sets %s, which the worker does not read", name)
		if strings.HasSuffix(name, "_ADDRESS") {
			port := value[strings.LastIndex(value, ":")+1:]
			require.Contains(t, published, "127.0.0.1:"+port+":"+port, "%s is published", name)
		}
	}
	require.NoError(t, set.ApplyEnv(testkit.Env(env)),
		"every value in the compose file is one the worker accepts")
	require.True(t, cfg.DevTemporal(), "the dev stack runs its own Temporal server")
	require.NoError(t, cfg.Check())
}
