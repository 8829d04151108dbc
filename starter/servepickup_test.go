package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// TestServeHostsThePickupPage: in production the pickup page lives in starter serve, behind the same proxy as
// the webhook. The workers mail a link to its public URL; serve's page creates the pass at the reveal with its
// own Graph credentials, in its own process, and shows it.
func TestServeHostsThePickupPage(t *testing.T) {
	addr := testkit.FreeAddr(t)
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, base64: the workers' and the page's
	s := startStack(t, func(c *stack.Config) {
		c.Journey.PickupKey = key
		c.Journey.Settings.Channel = activities.ChannelPickup
		c.Journey.Settings.PublicURL = "http://" + addr
		c.Journey.Settings.PollInterval, c.Journey.PollIntervalSet = time.Second, true
	})
	env := testkit.Env(map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_WEBHOOK_SECRET": testSecret,
		"TAPFLOW_NO_ENCRYPTION": "true", "TAPFLOW_METRICS_ADDRESS": testkit.FreeAddr(t), "TAPFLOW_PICKUP": "true",
		"TAPFLOW_GRAPH_URL": s.EmulatorURL() + "/v1.0", "TAPFLOW_GRAPH_STATIC_TOKEN": "t", "TAPFLOW_PICKUP_KEY": key})
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb testkit.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--webhook-address", addr}, &out, &errb, env) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "HR webhook on") }, 10*time.Second, 20*time.Millisecond,
		"stderr: %s", errb.String())

	london, _ := time.LoadLocation("Europe/London")
	now := time.Now().In(london)
	_, err := intake.Submit(context.Background(), s.Client(), hrevent.Event{ID: "serve-pickup", Type: hrevent.Hire,
		OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{EmployeeID: "E1001", User: graphemu.DemoAdaLovelaceID,
			TimeZone: "Europe/London", StartDate: now.Format("2006-01-02"), StartTime: "00:00"}})
	require.NoError(t, err)
	var link string
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.EmulatorURL() + "/_emulator/mail")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var mail []struct{ Body string }
		if json.NewDecoder(resp.Body).Decode(&mail) != nil {
			return false
		}
		for _, m := range mail {
			if l := regexp.MustCompile(`http://[^"<\s]+/p/[A-Za-z0-9_-]+`).FindString(m.Body); l != "" {
				link = l
			}
		}
		return link != ""
	}, time.Minute, 100*time.Millisecond)
	require.True(t, strings.HasPrefix(link, "http://"+addr+"/p/"), "the link names serve's public URL")

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	form := getBody(t, browser, link)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)[1]
	resp, err := browser.PostForm(link, url.Values{"csrf": {csrf}})
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(page), `class="pass"`, string(page))
	require.Eventually(t, func() bool {
		st := statusOf(t, s, "E1001")
		return st.Journey != nil && st.Journey.Stage == workflows.StageAwaitingRegistration
	}, 30*time.Second, 100*time.Millisecond)
}

func getBody(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func statusOf(t *testing.T, s *stack.Stack, employee string) workflows.Status {
	t.Helper()
	v, err := s.Client().QueryWorkflow(context.Background(), workflows.EmployeeWorkflowID(employee), "", workflows.QueryStatus)
	require.NoError(t, err)
	var st workflows.Status
	require.NoError(t, v.Get(&st))
	return st
}
