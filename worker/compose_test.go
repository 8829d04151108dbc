package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/stack"
)

// No Docker engine runs where the tests run, so the compose file is checked by reading it.
func TestComposeFileRunsTheDevStackWithSettingsTheWorkerKnows(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(data, &compose))
	dev, ok := compose.Services["tapflow-dev"]
	require.True(t, ok)
	require.Equal(t, []string{"sh", "-c", "go build -o /tmp/tapflow-worker ./worker && exec /tmp/tapflow-worker --data-dir=/data"}, dev.Command)
	require.True(t, strings.HasPrefix(dev.Image, "golang:1.26"), dev.Image)

	var cfg stack.Config
	set := cliconf.New(pflag.NewFlagSet("worker", pflag.ContinueOnError))
	stack.Bind(set, &cfg)
	known := set.EnvNames()
	for name, value := range dev.Environment {
		require.True(t, slices.Contains(known, name), "compose sets %s, which the worker does not read", name)
		if strings.HasSuffix(name, "_ADDRESS") {
			port := value[strings.LastIndex(value, ":")+1:]
			require.Contains(t, dev.Ports, "127.0.0.1:"+port+":"+port, "%s is published", name)
		}
	}
	require.NoError(t, set.ApplyEnv(func(k string) (string, bool) { v, ok := dev.Environment[k]; return v, ok }),
		"every value in the compose file is one the worker accepts")
	require.Contains(t, strings.Join(dev.Healthcheck.Test, " "), "/readyz")
}
