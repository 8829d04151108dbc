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

record-histories: ## re-record the replay-test histories from a real run (before changing a workflow)
	TAPFLOW_RECORD_HISTORIES=$(CURDIR)/workflows/testdata/histories go test -count=1 -run TestDevStack ./internal/stack/
