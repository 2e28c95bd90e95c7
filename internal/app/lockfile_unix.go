//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package app

import (
	"errors"
	"os"
	"syscall"
)

// errLocked: another open file holds the lock.
var errLocked = errors.New("locked")

// lockFile takes an exclusive flock(2) on f without waiting. The lock
// belongs to the open file: a second open of the same file, even in this
// process, cannot take it, and it ends when f is closed or the process ends.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLocked
		}
		return err
	}
}
