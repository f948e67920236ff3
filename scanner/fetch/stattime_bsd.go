//go:build darwin || dragonfly || freebsd || netbsd

package fetch

import "syscall"

// The BSDs name a stat's times Mtimespec and Ctimespec.
func mtim(st *syscall.Stat_t) syscall.Timespec { return st.Mtimespec }
func ctim(st *syscall.Stat_t) syscall.Timespec { return st.Ctimespec }
