package pickup

import (
	"sync"

	"github.com/tapflow/tapflow/internal/graph"
)

// Waiters hand a revealed pass from the activity that created it to the HTTP response waiting for it, in
// memory: the value never passes through Temporal. Both run in the same process (the pickup page's worker
// polls a task queue of its own). The zero value is ready to use.
type Waiters struct {
	mu      sync.Mutex
	waiting map[string]chan graph.Pass
}

// Wait registers a response waiting for a pass; cancel removes it (a pass delivered after that is refused, so
// its activity revokes it).
func (w *Waiters) Wait() (id string, pass <-chan graph.Pass, cancel func()) {
	id = randomString()
	ch := make(chan graph.Pass, 1)
	w.mu.Lock()
	if w.waiting == nil {
		w.waiting = map[string]chan graph.Pass{}
	}
	w.waiting[id] = ch
	w.mu.Unlock()
	return id, ch, func() {
		w.mu.Lock()
		delete(w.waiting, id)
		w.mu.Unlock()
	}
}

// Waiting reports whether a response still waits under id.
func (w *Waiters) Waiting(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.waiting[id]
	return ok
}

// Deliver hands the pass to the response waiting under id, once; false when none waits (it gave up, or the id
// was never this process's): the caller must then revoke the pass.
func (w *Waiters) Deliver(id string, p graph.Pass) bool {
	w.mu.Lock()
	ch, ok := w.waiting[id]
	delete(w.waiting, id)
	w.mu.Unlock()
	if !ok {
		return false
	}
	ch <- p
	return true
}
