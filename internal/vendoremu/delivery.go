package vendoremu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// staleBy is how far back a stale forged delivery's signed time is set.
const staleBy = time.Hour

// job is one delivery (one repeat of one vendor event) waiting to be sent, with its retries.
type job struct {
	id    string
	event string
	c     change
	body  []byte
}

// announceLocked queues the webhook deliveries of a change: each vendor event, Repeat times. e.mu is held.
func (e *Emulator) announceLocked(c change) {
	if !e.hook.present {
		return
	}
	for _, ev := range e.fl.events(c) {
		body, err := e.fl.body(ev, c, false)
		if err != nil {
			e.log.Error("vendoremu: rendering a webhook payload", "vendor", e.fl.vendor(), "event", ev, "error", err)
			continue
		}
		for range e.hook.Repeat {
			e.nextDlv++
			e.queue = append(e.queue, job{id: fmt.Sprintf("dlv-%06d", e.nextDlv), event: ev, c: c, body: body})
		}
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// worker sends queued deliveries one at a time, in order (a delivery being retried holds back the ones behind
// it), until Close.
func (e *Emulator) worker() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.mu.Unlock()
			select {
			case <-e.ctx.Done():
				return
			case <-e.wake:
			}
			continue
		}
		j := e.queue[0]
		e.queue = e.queue[1:]
		e.mu.Unlock()
		e.deliver(j)
		if e.ctx.Err() != nil {
			return
		}
	}
}

// deliver sends one delivery, retrying on the vendor's terms with the configured delays, until a 2xx, an answer
// the vendor does not retry, the end of the schedule, or Close.
func (e *Emulator) deliver(j job) {
	for n := 1; ; n++ {
		e.mu.Lock()
		hook := e.hook
		e.mu.Unlock()
		d, err := e.attempt(e.ctx, j, hook, n, "")
		if err != nil {
			return // closed
		}
		if d.Status >= 200 && d.Status < 300 {
			return
		}
		if d.Status != 0 && !e.fl.retryable(d.Status) {
			return
		}
		if n > len(hook.Delays) {
			return
		}
		t := time.NewTimer(hook.Delays[n-1])
		select {
		case <-e.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// attempt sends one attempt and records it. forge "bad_signature" signs with a wrong secret; "stale" signs a
// time an hour back (for a vendor that signs the body only, the body was built backdated). An error means the
// emulator is closing; nothing is recorded then.
func (e *Emulator) attempt(ctx context.Context, j job, hook webhook, n int, forge string) (Delivery, error) {
	sentAt := e.now()
	secret := hook.Secret
	switch forge {
	case "bad_signature":
		secret += "-forged"
	case "stale":
		sentAt = sentAt.Add(-staleBy)
	}
	d := Delivery{DeliveryID: j.id, EmployeeID: j.c.employeeID, Kind: j.c.kind, Event: j.event, Attempt: n,
		Forged: forge, Time: e.now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(j.body))
	if err != nil {
		d.Error = "bad webhook url"
		e.record(d)
		return d, nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tapflow-vendoremu/"+e.fl.vendor())
	e.fl.sign(req.Header, j.body, secret, sentAt)
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return d, ctx.Err()
		}
		d.Error = "no answer"
	} else {
		d.Status = resp.StatusCode
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}
	e.record(d)
	e.log.Debug("vendoremu: webhook attempt", "vendor", e.fl.vendor(), "delivery_id", d.DeliveryID,
		"event", d.Event, "attempt", n, "status", d.Status, "forged", forge)
	return d, nil
}

func (e *Emulator) record(d Delivery) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.deliveries) >= maxDeliveries {
		e.deliveries = e.deliveries[1:]
	}
	e.deliveries = append(e.deliveries, d)
}

// errNoWebhook: /_emulator/send before PUT /_emulator/webhook.
var errNoWebhook = errors.New("no webhook configured: PUT /_emulator/webhook first")

// sendNow sends one delivery of a change at once, without retries or repeats, forged as asked, and returns the
// attempt.
func (e *Emulator) sendNow(ctx context.Context, c change, forge string) (Delivery, error) {
	e.mu.Lock()
	hook := e.hook
	e.nextDlv++
	id := fmt.Sprintf("dlv-%06d", e.nextDlv)
	e.mu.Unlock()
	if !hook.present {
		return Delivery{}, errNoWebhook
	}
	ev := e.fl.events(c)[0]
	body, err := e.fl.body(ev, c, forge == "stale")
	if err != nil {
		return Delivery{}, fmt.Errorf("rendering the payload: %w", err)
	}
	return e.attempt(ctx, job{id: id, event: ev, c: c, body: body}, hook, 1, forge)
}
