//go:build unix

package replay

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used: a
// seek's share of a shared machine, which its wall time is not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
