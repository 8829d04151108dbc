// Package metrics holds tapflow's Prometheus registry: the Temporal SDK's metrics (through an adapter to the
// SDK's MetricsHandler), Graph requests by call and status, tapflow's business series (passes issued and
// revoked, journeys by outcome, delivery-to-registration time, schedule runs, webhook requests) and the Go
// runtime and process collectors. Every registry lives on a Metrics value: nothing is global.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/activity"
)

// Metrics is one process's registry and tapflow's own series.
type Metrics struct {
	Registry *prometheus.Registry
	// GraphRequests counts Graph HTTP requests by method, route (ids replaced by {id}) and status.
	GraphRequests *prometheus.CounterVec
	// GraphLatency observes Graph request latency by method and route.
	GraphLatency *prometheus.HistogramVec
	// GraphByActivity counts Graph HTTP requests by the Temporal activity type that made them ("" outside one),
	// method and route:
	// how much of the Graph budget pre-flight, issuing, registration polls and revokes each take.
	GraphByActivity *prometheus.CounterVec

	sdk     *sdkRegistry // the SDK's metrics, shared by every SDKHandler of this registry
	biz     business     // tapflow's business series (business.go)
	watch   watch        // the tenant watch's series and the security alerts (watch.go)
	sources sources      // the HR sources' series (sources.go)
}

// New builds a registry with the runtime collectors and tapflow's series registered, every known label
// combination of tapflow's own series already at zero (zero.go).
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		GraphRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_graph_requests_total",
			Help: "Microsoft Graph requests by method, route and HTTP status (0: no response).",
		}, []string{"method", "route", "status"}),
		GraphLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tapflow_graph_request_duration_seconds",
			Help:    "Microsoft Graph request latency by method and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		GraphByActivity: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_graph_requests_by_activity_total",
			Help: "Microsoft Graph requests by the Temporal activity type that made them (empty: outside an activity), method and route.",
		}, []string{"activity", "method", "route"}),
	}
	m.biz, m.watch, m.sources = newBusiness(), newWatch(), newSources()
	m.sdk = &sdkRegistry{reg: reg, vecs: m.biz.sdkRoutes()}
	reg.MustRegister(m.GraphRequests, m.GraphLatency, m.GraphByActivity)
	reg.MustRegister(m.biz.collectors()...)
	reg.MustRegister(m.watch.collectors()...)
	reg.MustRegister(m.sources.collectors()...)
	m.biz.zero()
	m.watch.zero()
	m.sources.zero()
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// GraphTransport wraps an HTTP transport to count Graph requests. It records only the method, the route
// shape and the status: never query strings, headers or bodies.
func (m *Metrics) GraphTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(req)
		route := Route(req.URL.Path)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		m.GraphRequests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Inc()
		m.GraphLatency.WithLabelValues(req.Method, route).Observe(time.Since(start).Seconds())
		m.GraphByActivity.WithLabelValues(activityType(req.Context()), req.Method, route).Inc()
		return resp, err
	})
}

// activityType is the type of the activity whose context a request carries, or "".
func activityType(ctx context.Context) string {
	if !activity.IsActivity(ctx) {
		return ""
	}
	return activity.GetInfo(ctx).ActivityType.Name
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Route turns a Graph path into a low-cardinality label: the segment after "users" and after a method
// collection is an id or a UPN, so it becomes {id}; everything before "/v1.0" is dropped.
func Route(path string) string {
	if i := strings.Index(path, "/v1.0/"); i >= 0 {
		path = path[i+len("/v1.0"):]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := 1; i < len(segs); i++ {
		switch segs[i-1] {
		case "users", "temporaryAccessPassMethods", "methods", "authenticationMethodConfigurations":
			segs[i] = "{id}"
		}
	}
	return "/" + strings.Join(segs, "/")
}
