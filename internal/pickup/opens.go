package pickup

import (
	"sync"
	"time"
)

// openEvery is how often the page tells a journey about fetches of its link: a scanner or an attacker fetching
// a link in a loop costs the journey one signal per interval, not one per fetch.
const openEvery = 10 * time.Second

// openCounter counts a process's fetches per link and says when to tell the journey, with how many.
type openCounter struct {
	mu    sync.Mutex
	links map[string]*openCount
}

type openCount struct {
	pending int
	told    time.Time
}

// add counts a fetch of the link and returns how many fetches to report now (0: not yet).
func (c *openCounter) add(hash string, now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.links == nil {
		c.links = map[string]*openCount{}
	}
	if len(c.links) > 10000 { // bounded: an old entry only delays a count
		c.links = map[string]*openCount{}
	}
	o := c.links[hash]
	if o == nil {
		o = &openCount{}
		c.links[hash] = o
	}
	o.pending++
	if now.Sub(o.told) < openEvery {
		return 0
	}
	n := o.pending
	o.pending, o.told = 0, now
	return n
}
