package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/tapflow/tapflow/internal/testkit"
)

const (
	upn  = "ada.lovelace@contoso.example"
	pass = "Tq7#kP2!vXw9"
)

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(testkit.Env(nil), "tapflow-worker")
	require.NoError(t, err)
	require.False(t, c.Enabled(), "off unless an endpoint is set")

	c, err = FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}), "tapflow-worker")
	require.NoError(t, err)
	require.Equal(t, Config{Endpoint: "http://collector:4317", ServiceName: "tapflow-worker"}, c)

	c, err = FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces:4317", "OTEL_SERVICE_NAME": "hr-intake"}), "tapflow-starter")
	require.NoError(t, err)
	require.Equal(t, Config{Endpoint: "https://traces:4317", ServiceName: "hr-intake"}, c)

	c, err = FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_SDK_DISABLED": "true"}), "x")
	require.NoError(t, err)
	require.False(t, c.Enabled())

	_, err = FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}), "x")
	require.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf")
	_, err = FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"}), "x")
	require.ErrorContains(t, err, "http://otel-collector:4317")

	tr, err := Start(context.Background(), Config{})
	require.NoError(t, err)
	require.Nil(t, tr, "off: nothing to start")
	require.NoError(t, tr.Shutdown(context.Background()), "a nil Tracing may be used")
	require.Nil(t, tr.TracerProvider())
	rt := http.DefaultTransport
	require.Equal(t, rt, tr.GraphTransport(rt))
}

// spansJSON is every exported span, whole: names, attributes, events, status.
func spansJSON(t *testing.T, exp *tracetest.InMemoryExporter) string {
	t.Helper()
	data, err := json.Marshal(exp.GetSpans())
	require.NoError(t, err)
	return string(data)
}

func TestGraphSpansCarryTheRouteAndNothingElse(t *testing.T) {
	var gotPath, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"m-1","temporaryAccessPass":"`+pass+`"}`)
	}))
	defer srv.Close()
	exp := tracetest.NewInMemoryExporter()
	tr := New("tapflow-worker", exp)
	c := &http.Client{Transport: tr.GraphTransport(nil)}
	path := "/v1.0/users/" + upn + "/authentication/temporaryAccessPassMethods"
	resp, err := c.Post(srv.URL+path+"?$select=id,"+upn, "application/json", strings.NewReader(`{"isUsableOnce":true}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), pass, "the response reaches the caller untouched")
	require.Equal(t, path, gotPath, "the request sent is the original")
	require.Contains(t, gotQuery, "select")
	require.NoError(t, tr.Flush(context.Background())) // not Shutdown: the in-memory exporter forgets on shutdown

	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	route := "/users/{id}/authentication/temporaryAccessPassMethods"
	require.Equal(t, "Graph POST "+route, spans[0].Name)
	attrs := attribute.NewSet(spans[0].Attributes...)
	v, ok := attrs.Value("http.route")
	require.True(t, ok)
	require.Equal(t, route, v.AsString())
	v, ok = attrs.Value("http.response.status_code")
	require.True(t, ok)
	require.EqualValues(t, http.StatusCreated, v.AsInt64())
	all := spansJSON(t, exp)
	for _, secret := range []string{upn, "ada.lovelace", pass, "select", "isUsableOnce"} {
		require.NotContains(t, all, secret)
	}
}

func TestSpansKeepAnErrorsTypeNotItsMessage(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := New("tapflow-worker", exp)
	_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "RunActivity:Preflight")
	err := errors.New("Resource '" + upn + "' does not exist")
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	span.End()
	require.NoError(t, tr.Flush(context.Background()))
	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	require.Equal(t, codes.Error, spans[0].Status.Code)
	require.Empty(t, spans[0].Status.Description)
	require.Len(t, spans[0].Events, 1)
	require.Equal(t, "exception", spans[0].Events[0].Name)
	require.NotContains(t, spansJSON(t, exp), "ada.lovelace")
}

// collector is an OTLP/gRPC trace collector that keeps what it receives.
type collector struct {
	coltrace.UnimplementedTraceServiceServer
	mu  sync.Mutex
	got []*coltrace.ExportTraceServiceRequest
}

func (c *collector) Export(_ context.Context, r *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, r)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// With OTEL_EXPORTER_OTLP_ENDPOINT, spans reach the collector over OTLP/gRPC, named by OTEL_SERVICE_NAME, and
// Shutdown flushes them.
func TestSpansReachAnOTLPCollector(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	col := &collector{}
	coltrace.RegisterTraceServiceServer(srv, col)
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()

	c, err := FromEnv(testkit.Env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + l.Addr().String(),
		"OTEL_SERVICE_NAME": "tapflow-test"}), "tapflow-worker")
	require.NoError(t, err)
	tr, err := Start(context.Background(), c)
	require.NoError(t, err)
	_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "RunActivity:Preflight")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, tr.Shutdown(ctx))

	col.mu.Lock()
	defer col.mu.Unlock()
	require.Len(t, col.got, 1)
	rs := col.got[0].GetResourceSpans()[0]
	var service string
	for _, a := range rs.GetResource().GetAttributes() {
		if a.GetKey() == "service.name" {
			service = a.GetValue().GetStringValue()
		}
	}
	require.Equal(t, "tapflow-test", service)
	require.Equal(t, "RunActivity:Preflight", rs.GetScopeSpans()[0].GetSpans()[0].GetName())
}

// With an endpoint, Start builds the OTLP/gRPC exporter without dialling; a shutdown with nothing to send is quick
// even when no collector listens.
func TestStartAndShutdownWithoutACollector(t *testing.T) {
	tr, err := Start(context.Background(), Config{Endpoint: "http://127.0.0.1:1", ServiceName: "tapflow-worker"})
	require.NoError(t, err)
	require.NotNil(t, tr.TracerProvider())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, tr.Shutdown(ctx))
}
