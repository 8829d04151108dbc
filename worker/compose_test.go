package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"gopkg.in/yaml.v3"

	"github.com/tapflow/tapflow/internal/searchattr"
)

// No Docker engine runs where the tests run, so the compose file is loaded with the compose-spec library that
// docker compose itself uses, and checked against what the binaries read.

var productionServices = []string{"postgresql", "prometheus", "tapflow-starter", "tapflow-worker", "temporal",
	"temporal-schema", "temporal-setup", "temporal-ui"}

// operatorEnv is what an operator puts in .env for real Graph: fresh secrets and an Entra app.
func operatorEnv(t *testing.T) map[string]string {
	return map[string]string{
		"POSTGRES_PASSWORD":       randomText(t, hex.EncodeToString),
		"TAPFLOW_ENCRYPTION_KEYS": "k1=" + randomText(t, base64.StdEncoding.EncodeToString),
		"TAPFLOW_CODEC_TOKEN":     randomText(t, hex.EncodeToString),
		"TAPFLOW_WEBHOOK_SECRET":  "whsec_" + randomText(t, base64.StdEncoding.EncodeToString),
		"TAPFLOW_SENDER_MAILBOX":  "tapflow@contoso.example",
		"AZURE_TENANT_ID":         "11111111-2222-3333-4444-555555555555",
		"AZURE_CLIENT_ID":         "66666666-7777-8888-9999-000000000000",
		"AZURE_CLIENT_SECRET":     randomText(t, hex.EncodeToString),
		"TAPFLOW_PUBLIC_URL":      "https://tapflow.contoso.example",
		"TAPFLOW_PICKUP_KEY":      randomText(t, base64.StdEncoding.EncodeToString),
	}
}

// emulatorEnv is the same with the emulator lines of .env.example instead of the Entra app.
func emulatorEnv(t *testing.T) map[string]string {
	env := operatorEnv(t)
	delete(env, "AZURE_TENANT_ID")
	delete(env, "AZURE_CLIENT_ID")
	delete(env, "AZURE_CLIENT_SECRET")
	_, commented := envExample(t)
	for _, name := range []string{"TAPFLOW_GRAPH_URL", "TAPFLOW_GRAPH_STATIC_TOKEN"} {
		require.NotEmpty(t, commented[name], ".env.example shows %s for the emulator", name)
		env[name] = commented[name]
	}
	return env
}

func randomText(t *testing.T, encode func([]byte) string) string {
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return encode(b)
}

// envExample reads .env.example: the variables it sets, and those it shows commented out, with their values.
func envExample(t *testing.T) (set, commented map[string]string) {
	data, err := os.ReadFile("../.env.example")
	require.NoError(t, err)
	set, commented = map[string]string{}, map[string]string{}
	line := regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)
	for _, l := range strings.Split(string(data), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			if m[1] == "" {
				set[m[2]] = m[3]
			} else {
				commented[m[2]] = m[3]
			}
		}
	}
	return set, commented
}

// loadCompose loads docker-compose.yml as docker compose would, with only env as the environment.
func loadCompose(t *testing.T, env map[string]string, profiles ...string) *types.Project {
	t.Helper()
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"}, cli.WithWorkingDirectory(".."),
		cli.WithEnv(list), cli.WithProfiles(profiles))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err)
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	require.NoError(t, err)
	return s
}

// environment is a service's environment after interpolation.
func environment(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func port(t *testing.T, addr string) string {
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err, addr)
	return p
}

func TestComposeServicesAndProfiles(t *testing.T) {
	all := loadCompose(t, operatorEnv(t), "*")
	require.ElementsMatch(t, append(slices.Clone(productionServices), "graph-emulator", "tapflow-dev"), all.ServiceNames())
	// The default profile is the production stack; the emulator and the dev stack only when asked for.
	require.ElementsMatch(t, productionServices, loadCompose(t, operatorEnv(t)).ServiceNames())
	require.ElementsMatch(t, append(slices.Clone(productionServices), "graph-emulator"),
		loadCompose(t, emulatorEnv(t), "emulator").ServiceNames())
	require.Equal(t, []string{"emulator"}, service(t, all, "graph-emulator").Profiles)
	require.Equal(t, []string{"dev"}, service(t, all, "tapflow-dev").Profiles)
	// `docker compose up tapflow-dev` needs none of the production secrets: compose interpolates every service.
	require.Contains(t, loadCompose(t, nil, "dev").ServiceNames(), "tapflow-dev")
}

func TestComposeImagesPortsAndHealthchecks(t *testing.T) {
	p := loadCompose(t, operatorEnv(t), "*")
	server := service(t, p, "temporal").Image
	require.Regexp(t, `^temporalio/server:\d+\.\d+\.\d+$`, server)
	tag := strings.TrimPrefix(server, "temporalio/server:")
	for name, image := range map[string]string{"temporal-schema": "temporalio/admin-tools:" + tag,
		"temporal-setup": "temporalio/admin-tools:" + tag} {
		require.Equal(t, image, service(t, p, name).Image, "%s uses the admin tools of the server's version", name)
	}
	require.Regexp(t, `^postgres:\d+$`, service(t, p, "postgresql").Image)
	require.Regexp(t, `^temporalio/ui:\d+\.\d+\.\d+$`, service(t, p, "temporal-ui").Image)
	require.Regexp(t, `^prom/prometheus:v\d+\.\d+\.\d+$`, service(t, p, "prometheus").Image)
	for name, target := range map[string]string{"tapflow-worker": "worker", "tapflow-starter": "starter", "graph-emulator": "worker"} {
		s := service(t, p, name)
		require.NotNil(t, s.Build, name)
		require.Equal(t, target, s.Build.Target, name)
	}
	for _, s := range p.Services {
		require.NotContains(t, s.Image, "auto-setup", "%s: the deprecated auto-setup image", s.Name)
	}

	want := map[string][]string{
		"temporal": {"127.0.0.1:7233->7233"}, "temporal-ui": {"127.0.0.1:8080->8080"},
		"tapflow-worker": {"127.0.0.1:9090-9091->9090"}, "tapflow-starter": {"127.0.0.1:8088->8088"},
		"prometheus": {"127.0.0.1:9095->9090"}, "graph-emulator": {"127.0.0.1:8089->8089"},
		"tapflow-dev": {"127.0.0.1:7233->7233", "127.0.0.1:8233->8233", "127.0.0.1:8089->8089", "127.0.0.1:9090->9090"},
	}
	for _, s := range p.Services {
		var got []string
		for _, pc := range s.Ports {
			got = append(got, pc.HostIP+":"+pc.Published+"->"+strconv.Itoa(int(pc.Target)))
		}
		require.ElementsMatch(t, want[s.Name], got, "%s publishes only these ports, on loopback", s.Name)
	}

	oneShot := []string{"temporal-schema", "temporal-setup"}
	for _, s := range p.Services {
		if slices.Contains(oneShot, s.Name) {
			require.Equal(t, "no", s.Restart, "%s runs once", s.Name)
			continue
		}
		require.NotNil(t, s.HealthCheck, "%s has a healthcheck", s.Name)
		require.False(t, s.HealthCheck.Disable, s.Name)
		require.NotEmpty(t, s.HealthCheck.Test, s.Name)
	}
	health := func(name string) string { return strings.Join(service(t, p, name).HealthCheck.Test, " ") }
	worker, starter := environment(service(t, p, "tapflow-worker")), environment(service(t, p, "tapflow-starter"))
	require.Contains(t, health("tapflow-worker"), ":"+port(t, worker["TAPFLOW_HTTP_ADDRESS"])+"/readyz")
	require.Contains(t, health("tapflow-starter"), ":"+port(t, starter["TAPFLOW_WEBHOOK_ADDRESS"])+"/healthz")
	require.Contains(t, health("graph-emulator"), ":"+port(t, environment(service(t, p, "graph-emulator"))["TAPFLOW_EMULATOR_ADDRESS"])+"/")
	require.Contains(t, health("postgresql"), "pg_isready")
	require.Contains(t, health("temporal"), "7233")
	require.Contains(t, health("tapflow-dev"), "/readyz")
}

func TestComposeStartupOrderAndScale(t *testing.T) {
	p := loadCompose(t, emulatorEnv(t), "emulator")
	healthy, done := types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully
	want := map[string]map[string]string{
		"temporal-schema": {"postgresql": healthy},
		"temporal":        {"temporal-schema": done},
		"temporal-setup":  {"temporal": healthy},
		"temporal-ui":     {"temporal": healthy},
		"tapflow-worker":  {"temporal": healthy, "temporal-setup": done, "graph-emulator": healthy},
		"tapflow-starter": {"temporal": healthy, "temporal-setup": done},
	}
	for name, deps := range want {
		got := map[string]string{}
		for dep, d := range service(t, p, name).DependsOn {
			got[dep] = d.Condition
			require.Equal(t, dep != "graph-emulator", d.Required, "%s -> %s: only the emulator is optional", name, dep)
		}
		require.Equal(t, deps, got, name)
	}
	w := service(t, p, "tapflow-worker")
	require.NotNil(t, w.Deploy)
	require.NotNil(t, w.Deploy.Replicas)
	require.Equal(t, 2, *w.Deploy.Replicas)
}

func TestComposeTemporalRunsOnPostgresWithTapflowsNamespace(t *testing.T) {
	env := operatorEnv(t)
	p := loadCompose(t, env)
	server := environment(service(t, p, "temporal"))
	require.Equal(t, "postgres12", server["DB"])
	require.Contains(t, p.ServiceNames(), server["POSTGRES_SEEDS"])
	require.Equal(t, env["POSTGRES_PASSWORD"], server["POSTGRES_PWD"])
	require.Equal(t, env["POSTGRES_PASSWORD"], environment(service(t, p, "postgresql"))["POSTGRES_PASSWORD"])
	require.Equal(t, env["POSTGRES_PASSWORD"], environment(service(t, p, "temporal-schema"))["SQL_PASSWORD"])
	shards, err := strconv.Atoi(server["NUM_HISTORY_SHARDS"])
	require.NoError(t, err)
	require.GreaterOrEqual(t, shards, 512)

	// The server refuses to start without its dynamic config file: the compose file mounts one that parses.
	var mounted bool
	for _, v := range service(t, p, "temporal").Volumes {
		if v.Target == server["DYNAMIC_CONFIG_FILE_PATH"] {
			data, err := os.ReadFile(v.Source)
			require.NoError(t, err)
			var dc map[string]any
			require.NoError(t, yaml.Unmarshal(data, &dc))
			require.NotEmpty(t, dc)
			mounted = true
		}
	}
	require.True(t, mounted, "DYNAMIC_CONFIG_FILE_PATH %s is mounted", server["DYNAMIC_CONFIG_FILE_PATH"])

	schema := strings.Join(service(t, p, "temporal-schema").Command, " ")
	for db, dir := range map[string]string{"temporal": "temporal", "temporal_visibility": "visibility"} {
		for _, step := range []string{"create-database", "setup-schema -v 0.0",
			"update-schema -d /etc/temporal/schema/postgresql/v12/" + dir + "/versioned"} {
			require.Contains(t, schema, "temporal-sql-tool --db "+db+" "+step)
		}
	}
	setup := service(t, p, "temporal-setup")
	script := strings.Join(setup.Command, " ")
	for name, typ := range searchattr.Definitions() {
		short := map[enumspb.IndexedValueType]string{enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
			enumspb.INDEXED_VALUE_TYPE_DATETIME: "Datetime"}[typ]
		require.NotEmpty(t, short, "%s: a type the setup step knows", name)
		require.Contains(t, script, "--name "+name+" --type "+short)
	}
	require.Contains(t, script, "namespace create")
	require.Equal(t, environment(service(t, p, "tapflow-worker"))["TEMPORAL_NAMESPACE"], environment(setup)["TEMPORAL_NAMESPACE"])
}

// The compose stack's Web UI is read-only: no cancel, terminate, signal, update or reset from it; operators act
// through starter, which names who asks and audits it. The variable is the UI image's own (its config template
// reads TEMPORAL_DISABLE_WRITE_ACTIONS into disableWriteActions).
func TestComposeWebUICannotWrite(t *testing.T) {
	p := loadCompose(t, operatorEnv(t))
	require.Equal(t, "true", environment(service(t, p, "temporal-ui"))["TEMPORAL_DISABLE_WRITE_ACTIONS"])
}
