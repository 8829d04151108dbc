package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// graphCounts sums the Graph requests the worker made, by "METHOD route".
func graphCounts(families map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, mt := range families["tapflow_graph_requests_total"].GetMetric() {
		out[label(mt, "method")+" "+label(mt, "route")] += mt.GetCounter().GetValue()
	}
	return out
}

// pollRequests is the number of registration polls: methods lists by the AwaitRegistration activity (the
// look that sees the method also revokes the pass; that request is not a poll).
func pollRequests(families map[string]*dto.MetricFamily) float64 {
	for _, mt := range families["tapflow_graph_requests_by_activity_total"].GetMetric() {
		if label(mt, "activity") == pollActivity && label(mt, "method")+" "+label(mt, "route") == kindPoll {
			return mt.GetCounter().GetValue()
		}
	}
	return 0
}

// workflowTasks is the number of workflow tasks the worker has run (the SDK's execution latency histogram).
func workflowTasks(families map[string]*dto.MetricFamily) float64 {
	total := 0.0
	for _, mt := range families["temporal_workflow_task_execution_latency_seconds"].GetMetric() {
		total += float64(mt.GetHistogram().GetSampleCount())
	}
	return total
}

// gauge is a metric family's first gauge value, or 0.
func gauge(families map[string]*dto.MetricFamily, name string) float64 {
	for _, mt := range families[name].GetMetric() {
		return mt.GetGauge().GetValue()
	}
	return 0
}

// pollActivity is the activity that polls for a registration.
const pollActivity = "AwaitRegistration"

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Graph request kinds by "METHOD route".
const (
	kindPoll    = "GET /users/{id}/authentication/methods"
	kindMail    = "POST /users/{id}/sendMail"
	kindRevoked = "DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}"
)

// diff is after minus before, per kind, without zero entries.
func diff(after, before map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// CPU is CPU time in milliseconds: the server process's (with the emulator and the client) and the worker's.
type CPU struct {
	Server float64 `json:"server"`
	Worker float64 `json:"worker"`
}

func (c CPU) minus(o CPU) CPU { return CPU{Server: c.Server - o.Server, Worker: c.Worker - o.Worker} }
func (c CPU) per(n int) CPU   { return CPU{Server: c.Server / float64(n), Worker: c.Worker / float64(n)} }

// cpu is the CPU time used so far by this process and the main worker process.
func (r *run) cpu() CPU {
	return CPU{Server: cpuOf("/proc/self/stat") * 1000, Worker: cpuOf(fmt.Sprintf("/proc/%d/stat", r.child.cmd.Process.Pid)) * 1000}
}

// cpuOf reads a process's CPU time, user and system, in seconds from its /proc stat file (0 where there is
// none). The clock ticks are Linux's USER_HZ, 100 per second.
func cpuOf(path string) float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(data), ") ") // the command name may hold spaces
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64) // stat's 14th and 15th fields
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// rssMiB reads this process's resident set size and its peak from /proc (0, 0 where there is no /proc).
func rssMiB() (now, peak float64) { return rssOf("/proc/self/status") }

// rssOf reads VmRSS and VmHWM from a /proc status file, in MiB.
func rssOf(path string) (now, peak float64) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			now = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return now, peak
}

// percentile is the p-th percentile (0-100) of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func sortedCopy(v []float64) []float64 {
	out := append([]float64(nil), v...)
	sort.Float64s(out)
	return out
}

// historyEvents counts a workflow's history events, and the activities (scheduled, and local) it ran before its
// IssueAndDeliver activity completed: a joiner's round trips to delivery.
func historyEvents(ctx context.Context, c client.Client, id string) (events int, toDelivery Shape, err error) {
	iter := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	delivered := false
	scheduled := map[int64]string{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return 0, Shape{}, fmt.Errorf("history of %s: %w", id, err)
		}
		events++
		if delivered {
			continue
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			toDelivery.Activities++
			scheduled[e.GetEventId()] = e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" { // not a version or side effect
				toDelivery.Local++
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if scheduled[e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()] == "IssueAndDeliver" {
				delivered = true
			}
		}
	}
	return events, toDelivery, nil
}

// firstLookScheduled says the workflow's history holds its first registration look (the quiet first look's
// timer, one poll interval after delivery, has fired): from then on the wait adds nothing to it.
func firstLookScheduled(ctx context.Context, c client.Client, id string) (bool, error) {
	iter := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return false, fmt.Errorf("history of %s: %w", id, err)
		}
		if e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "AwaitRegistration" {
			return true, nil
		}
	}
	return false, nil
}

// postJSON posts body to url and decodes the answer into out (when not nil).
func postJSON(ctx context.Context, url, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// getJSON decodes what url answers.
func getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
