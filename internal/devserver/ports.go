package devserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
)

// serviceNames are the Temporal services the embedded server runs, frontend first.
var serviceNames = [...]string{"frontend", "history", "matching", "worker"}

// servicePorts are the internal ports of the embedded server: each service's gRPC port (the frontend's is the
// configured address) and membership port.
type servicePorts struct {
	GRPC       map[string]int `json:"grpc"`
	Membership map[string]int `json:"membership"`
}

// portsFile is where a file-backed server remembers its internal ports. Reusing them on a restart keeps the
// cluster membership the server finds in its database reachable; with new ports the reopened server waits
// about a minute for the old members to be declared dead before it dispatches tasks again.
func portsFile(dbFile string) string {
	if dbFile == "" {
		return ""
	}
	return dbFile + ".ports.json"
}

// internalPorts returns the remembered ports when all are still free, else fresh ones (remembered for next time)
// that are none of avoid (the frontend's port).
func internalPorts(host, path string, avoid ...int) (servicePorts, error) {
	if path != "" {
		if data, err := os.ReadFile(path); err == nil {
			var p servicePorts
			if json.Unmarshal(data, &p) == nil && p.complete() && p.free(host) {
				return p, nil
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return servicePorts{}, fmt.Errorf("read %s: %w", path, err)
		}
	}
	p := servicePorts{GRPC: map[string]int{}, Membership: map[string]int{}}
	taken := map[int]bool{}
	for _, a := range avoid {
		taken[a] = true
	}
	for i, name := range serviceNames {
		var err error
		if i > 0 {
			if p.GRPC[name], err = freePort(host, taken); err != nil {
				return servicePorts{}, err
			}
		}
		if p.Membership[name], err = freePort(host, taken); err != nil {
			return servicePorts{}, err
		}
	}
	if path != "" {
		data, _ := json.Marshal(p)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return servicePorts{}, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return p, nil
}

func (p servicePorts) complete() bool {
	for i, name := range serviceNames {
		if (i > 0 && p.GRPC[name] == 0) || p.Membership[name] == 0 {
			return false
		}
	}
	return true
}

func (p servicePorts) free(host string) bool {
	all := make([]int, 0, 2*len(serviceNames))
	for _, v := range p.GRPC {
		all = append(all, v)
	}
	for _, v := range p.Membership {
		all = append(all, v)
	}
	for _, port := range all {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		_ = l.Close()
	}
	return true
}

// Internal ports are picked below the ephemeral ranges (Linux starts at 32768, macOS and Windows at 49152): a
// port the kernel hands out for ":0" or for an outgoing connection can be taken by another process between our
// check and the server's bind, and the server exits when a bind fails. Above 20000 few services listen.
const (
	internalPortLow  = 20000
	internalPortHigh = 32768
)

// freePort finds a port that is free now and not already taken, preferring the range outside the ephemeral
// one, and adds it to taken.
func freePort(host string, taken map[int]bool) (int, error) {
	for range 64 {
		port := internalPortLow + rand.IntN(internalPortHigh-internalPortLow)
		if taken[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			_ = l.Close()
			taken[port] = true
			return port, nil
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer func() { _ = l.Close() }()
	port := l.Addr().(*net.TCPAddr).Port
	taken[port] = true
	return port, nil
}
