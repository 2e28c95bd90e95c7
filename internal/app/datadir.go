package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/openbell/openbell/internal/store/sqlite"
)

// LockFileName is the file in a SQLite data directory that the server using
// the directory holds locked; it contains the server's process id.
const LockFileName = "openbell.lock"

// claimDataDir makes the SQLite data directory when it is missing, checks
// that it can hold the database, and takes it for this process: a data
// directory belongs to one server at a time (API.md section 6). The lock is
// the kernel's (lockFile), so it ends with the process however the process
// ends, and a lock file left behind by a killed server does not stop a
// start; the process id in the file only names the holder to the next one.
// release gives the directory back.
func claimDataDir(dir string) (release func(), err error) {
	if err := checkDataDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: cannot create %s in it: %w", dir, LockFileName, reason(err))
	}
	if err := lockFile(f); err != nil {
		holder := "another process"
		if b, _ := os.ReadFile(path); len(b) > 0 {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = fmt.Sprintf("another openbell server (pid %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("--data-dir %s is in use by %s; a SQLite data directory serves one server at a time: stop that one, or give this one another --data-dir (several servers share a PostgreSQL database)", dir, holder)
		}
		return nil, fmt.Errorf("--data-dir %s: cannot lock %s: %w", dir, LockFileName, reason(err))
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--data-dir %s: cannot write %s: %w", dir, LockFileName, reason(err))
	}
	return func() {
		// The file stays: removing it would let a process that opened it
		// before the removal lock a file the next one no longer sees.
		_ = f.Truncate(0)
		f.Close() // closing the last descriptor drops the lock
	}, nil
}

// checkDataDir makes the data directory when it is missing and says what is
// wrong with it, by path, when it cannot hold the database.
func checkDataDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--data-dir %s is a file, not a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("--data-dir %s: cannot create it: a part of the path is a file, not a directory", dir)
		}
		return fmt.Errorf("--data-dir %s: cannot create it: %w", dir, reason(err))
	}
	db := filepath.Join(dir, sqlite.FileName)
	if fi, err := os.Stat(db); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("--data-dir %s: %s is not a database file", dir, db)
	}
	return nil
}

// reason is the system's error of a file operation without the operation
// and the path, which the messages above name their own way.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
