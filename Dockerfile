# syntax=docker/dockerfile:1
# tapflow's images: `docker build --target worker .` and `--target starter` (docker-compose.yml builds both).
# Both binaries are built with -tags nodev: no embedded Temporal server or Web UI inside, so the images are
# small and join a Temporal cluster (TEMPORAL_ADDRESS) only. The dev stack is `go run ./worker`, not an image.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
# Modules first, so a source change does not download them again.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    go build -trimpath -ldflags='-s -w' -tags nodev -o /out/tapflow-worker ./worker && \
    go build -trimpath -ldflags='-s -w' -tags nodev -o /out/tapflow-starter ./starter

# The runtime base: Alpine for its busybox wget, which the compose healthchecks use (GET /readyz, /healthz).
# Time zones are compiled into the binaries (time/tzdata); CA certificates are for Graph and Entra over TLS.
FROM alpine:3.22 AS runtime
RUN apk add --no-cache ca-certificates && \
    adduser -D -H -u 10001 tapflow
USER 10001:10001

FROM runtime AS worker
COPY --from=build /out/tapflow-worker /usr/local/bin/tapflow-worker
# Health, readiness, metrics and /codec; the compose file sets TAPFLOW_HTTP_ADDRESS=0.0.0.0:9090.
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/tapflow-worker"]

FROM runtime AS starter
COPY --from=build /out/tapflow-starter /usr/local/bin/tapflow-starter
# The HR webhook receiver of `starter serve`; the compose file sets TAPFLOW_WEBHOOK_ADDRESS=0.0.0.0:8088.
EXPOSE 8088
ENTRYPOINT ["/usr/local/bin/tapflow-starter"]
