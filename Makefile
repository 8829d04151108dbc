# Shortcuts for tapflow's everyday commands; each is one plain go command you can run directly.
.PHONY: run emulator test vet fmt ci record-histories

run:            ## the dev stack: Temporal, Web UI, Graph emulator, workers
	go run ./worker

emulator:       ## the Graph emulator alone
	go run ./worker emulator

test:           ## the test suite (what CI runs)
	go test ./...

vet:
	go vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

ci:             ## exactly what CI runs
	bash .ci/run

RELEASE ?= $(error name the next release: make record-histories RELEASE=vX.Y.Z)
record-histories: ## record the next release's replay-test histories from real runs (RELEASE=vX.Y.Z), before tagging it
	@test ! -e $(CURDIR)/workflows/testdata/histories/$(RELEASE) || { echo "workflows/testdata/histories/$(RELEASE) exists: a tagged release's histories are never re-recorded; name the next release"; exit 1; }
	mkdir -p $(CURDIR)/workflows/testdata/histories/$(RELEASE)
	TAPFLOW_RECORD_HISTORIES=$(CURDIR)/workflows/testdata/histories/$(RELEASE) go test -count=1 \
		-run 'TestDevStackRunsEveryPart|TestJoinerEndToEnd|TestLeaverEndToEnd|TestEncryptedPayloadsEndToEnd' ./internal/stack/
