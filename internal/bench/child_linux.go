package bench

import "syscall"

// dieWithParent has the kernel send SIGTERM to the worker process when the benchmark's process ends.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }
