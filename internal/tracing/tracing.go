// Package tracing is tapflow's optional OpenTelemetry tracing, off unless an OTLP endpoint is configured with
// the standard variables. When on, workflows, activities, signals, updates and queries become spans through the
// Temporal SDK's tracing interceptor, and every Graph HTTP request becomes a client span (otelhttp) named and
// labelled by its method and route only. Spans never carry a pass, a user name or an error message: the URL is
// reduced to its route before the span sees it, and recorded errors keep only their type.
package tracing

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Config says whether and where spans are exported.
type Config struct {
	// Endpoint is the OTLP/gRPC collector URL (http://collector:4317; http:// means no TLS); empty: tracing off.
	Endpoint string
	// ServiceName is the service.name resource attribute.
	ServiceName string
}

// The standard OpenTelemetry variables tapflow reads (the exporter also reads the other OTEL_EXPORTER_OTLP_*
// settings, such as headers and certificates, and the SDK reads OTEL_TRACES_SAMPLER).
const (
	envEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envServiceName    = "OTEL_SERVICE_NAME"
	envSDKDisabled    = "OTEL_SDK_DISABLED"
)

// FromEnv reads the configuration: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT (unset:
// off; OTEL_SDK_DISABLED=true also turns it off), and OTEL_SERVICE_NAME, else defaultService. tapflow exports
// over OTLP/gRPC: another OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL is refused, naming the variable.
func FromEnv(env func(string) (string, bool), defaultService string) (Config, error) {
	get := func(k string) string { v, _ := env(k); return strings.TrimSpace(v) }
	c := Config{Endpoint: get(envTracesEndpoint), ServiceName: get(envServiceName)}
	if c.Endpoint == "" {
		c.Endpoint = get(envEndpoint)
	}
	if c.ServiceName == "" {
		c.ServiceName = defaultService
	}
	if strings.EqualFold(get(envSDKDisabled), "true") {
		c.Endpoint = ""
	}
	if c.Endpoint == "" {
		return c, nil
	}
	for _, k := range []string{envTracesProtocol, envProtocol} {
		if p := get(k); p != "" && p != "grpc" {
			return c, fmt.Errorf("%s=%s: tapflow exports traces over OTLP/gRPC only: set grpc (or unset it) and point "+
				"%s at the collector's gRPC port (usually 4317)", k, p, envEndpoint)
		}
	}
	if !strings.Contains(c.Endpoint, "://") {
		return c, fmt.Errorf("%s=%s: give a URL such as http://otel-collector:4317 (https:// for TLS)", envEndpoint, c.Endpoint)
	}
	return c, nil
}

// Enabled reports whether spans are exported.
func (c Config) Enabled() bool { return c.Endpoint != "" }

// Tracing is a process's tracer provider. A nil *Tracing traces nothing: every method may be called on it.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tp       trace.TracerProvider // provider, redacting error messages
}

// Start builds the OTLP/gRPC exporter and the provider; with tracing off it returns nil and no error.
func Start(ctx context.Context, c Config) (*Tracing, error) {
	if !c.Enabled() {
		return nil, nil
	}
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(c.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter for %s: %w", c.Endpoint, err)
	}
	return New(c.ServiceName, exp), nil
}

// New builds tracing that sends spans to exp in batches (tests give an in-memory exporter).
func New(serviceName string, exp sdktrace.SpanExporter) *Tracing {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", serviceName)))
	if err != nil {
		res = resource.NewSchemaless(attribute.String("service.name", serviceName))
	}
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{provider: p, tp: redactingProvider{p}}
}

// TracerProvider is the provider spans should be started from, or nil when tracing is off.
func (t *Tracing) TracerProvider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.tp
}

// Interceptor is the Temporal SDK's tracing interceptor on this provider. Set on the client options, it traces
// the client's calls and, for workers built from that client, workflows and activities.
func (t *Tracing) Interceptor() (interceptor.Interceptor, error) {
	i, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: t.tp.Tracer("tapflow/temporal")})
	if err != nil {
		return nil, fmt.Errorf("temporal tracing interceptor: %w", err)
	}
	return i, nil
}

// AddTo adds the tracing interceptor to Temporal client options; with tracing off it does nothing.
func (t *Tracing) AddTo(opts *client.Options) error {
	if t == nil {
		return nil
	}
	i, err := t.Interceptor()
	if err != nil {
		return err
	}
	opts.Interceptors = append(opts.Interceptors, i)
	return nil
}

// Flush exports the spans ended so far.
func (t *Tracing) Flush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.provider.ForceFlush(ctx); err != nil {
		return fmt.Errorf("flush spans: %w", err)
	}
	return nil
}

// Shutdown flushes the spans and stops the exporter; ctx bounds the wait.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush and stop tracing: %w", err)
	}
	return nil
}
