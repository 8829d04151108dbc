//go:build !linux

package bench

import "syscall"

// dieWithParent: only Linux can tie the worker process's life to the benchmark's; elsewhere stop() ends it.
func dieWithParent() *syscall.SysProcAttr { return nil }
