package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/metrics"
)

// GraphTransport wraps the Graph HTTP transport so that each request is a client span named "Graph <METHOD>
// <route>" with the route in http.route. The span sees the request with its path reduced to the route (ids and
// user names become {id}) and no query; the request sent is the original. Bodies and headers are never recorded.
// With tracing off it returns next.
func (t *Tracing) GraphTransport(next http.RoundTripper) http.RoundTripper {
	if t == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	send := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("http.route", r.URL.Path))
		orig, ok := r.Context().Value(originalURL{}).(*url.URL)
		if !ok {
			return next.RoundTrip(r)
		}
		out := r.Clone(r.Context()) // keeps what otelhttp added (its context and headers)
		out.URL = orig
		return next.RoundTrip(out)
	})
	traced := otelhttp.NewTransport(send,
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()), // Graph metrics are Prometheus's (internal/metrics)
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "Graph " + r.Method + " " + r.URL.Path }))
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		shown := r.Clone(context.WithValue(r.Context(), originalURL{}, r.URL))
		shown.URL = &url.URL{Scheme: r.URL.Scheme, Host: r.URL.Host, Path: metrics.Route(r.URL.Path)}
		return traced.RoundTrip(shown)
	})
}

type originalURL struct{}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// redactingProvider hands out tracers whose spans keep an error's type but never its message: Graph's messages
// can name the user, and the Temporal interceptor records every activity failure.
type redactingProvider struct{ trace.TracerProvider }

// Tracer implements trace.TracerProvider.
func (p redactingProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return redactingTracer{p.TracerProvider.Tracer(name, opts...)}
}

type redactingTracer struct{ trace.Tracer }

// Start implements trace.Tracer.
func (t redactingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx, s := t.Tracer.Start(ctx, name, opts...)
	rs := redactedSpan{s}
	return trace.ContextWithSpan(ctx, rs), rs
}

type redactedSpan struct{ trace.Span }

// RecordError records an exception event with the error's type only.
func (s redactedSpan) RecordError(err error, _ ...trace.EventOption) {
	if err == nil {
		return
	}
	s.Span.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", errorType(err))))
}

// SetStatus keeps the status code and drops the description (an error message).
func (s redactedSpan) SetStatus(code codes.Code, _ string) { s.Span.SetStatus(code, "") }

// TracerProvider implements trace.Span: child tracers redact too.
func (s redactedSpan) TracerProvider() trace.TracerProvider {
	return redactingProvider{s.Span.TracerProvider()}
}

// errorType names an error without its message: a Temporal application error's type, else the Go type.
func errorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() != "" {
		return app.Type()
	}
	return fmt.Sprintf("%T", err)
}
