package metrics

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// SDKHandler adapts the Temporal SDK's metrics to the registry: counters become <name>_total, timers
// <name>_seconds histograms, gauges stay gauges. A metric's label names are fixed by its first use; later
// uses fill missing labels with "" and drop labels it never had (Prometheus needs one label set per name).
// tapflow's own names recorded from workflow code (JourneyFinished, RegistrationDelay, ScheduleRun) go to the
// business series with their declared labels and help; the SDK's tags (namespace, task queue, ...) are dropped.
func (m *Metrics) SDKHandler() client.MetricsHandler {
	return &sdkHandler{reg: m.sdk}
}

type sdkRegistry struct {
	reg  *prometheus.Registry
	mu   sync.Mutex
	vecs map[string]*sdkVec
}

type sdkVec struct {
	labels    []string
	counter   *prometheus.CounterVec
	gauge     *prometheus.GaugeVec
	histogram *prometheus.HistogramVec
}

type sdkHandler struct {
	reg  *sdkRegistry
	tags map[string]string
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &sdkHandler{reg: h.reg, tags: merged}
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	v, values := h.reg.vec(name+"_total", h.tags, func(n string, l []string) *sdkVec {
		return &sdkVec{counter: prometheus.NewCounterVec(prometheus.CounterOpts{Name: n, Help: "Temporal SDK counter " + name}, l)}
	})
	if v == nil || v.counter == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	return counter{v.counter.WithLabelValues(values...)}
}

func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	v, values := h.reg.vec(name, h.tags, func(n string, l []string) *sdkVec {
		return &sdkVec{gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: n, Help: "Temporal SDK gauge " + name}, l)}
	})
	if v == nil || v.gauge == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	return gauge{v.gauge.WithLabelValues(values...)}
}

func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	v, values := h.reg.vec(name+"_seconds", h.tags, func(n string, l []string) *sdkVec {
		return &sdkVec{histogram: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: n, Help: "Temporal SDK timer " + name, Buckets: prometheus.DefBuckets}, l)}
	})
	if v == nil || v.histogram == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	return timer{v.histogram.WithLabelValues(values...)}
}

// vec finds or registers the vector for a metric name and returns the label values in its label order.
func (r *sdkRegistry) vec(name string, tags map[string]string, mk func(string, []string) *sdkVec) (*sdkVec, []string) {
	name = sanitize(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.vecs[name]
	if !ok {
		labels := make([]string, 0, len(tags))
		for k := range tags {
			labels = append(labels, sanitize(k))
		}
		sort.Strings(labels)
		labels = slices.Compact(labels)
		v = mk(name, labels)
		v.labels = labels
		var c prometheus.Collector
		switch {
		case v.counter != nil:
			c = v.counter
		case v.gauge != nil:
			c = v.gauge
		default:
			c = v.histogram
		}
		if err := r.reg.Register(c); err != nil {
			r.vecs[name] = &sdkVec{} // a name clash: this metric is dropped, not the process
			return nil, nil
		}
		r.vecs[name] = v
	}
	byLabel := make(map[string]string, len(tags))
	for k, val := range tags {
		byLabel[sanitize(k)] = val
	}
	values := make([]string, len(v.labels))
	for i, l := range v.labels {
		values[i] = byLabel[l]
	}
	return v, values
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(n int64) { c.c.Add(float64(n)) }

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(f float64) { g.g.Set(f) }

type timer struct{ o prometheus.Observer }

func (t timer) Record(d time.Duration) { t.o.Observe(d.Seconds()) }
