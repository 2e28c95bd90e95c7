//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package app

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// lockFile does not lock where flock(2) is missing: there, nothing stops a
// second server on one data directory.
func lockFile(*os.File) error { return nil }
