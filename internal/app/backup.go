package app

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/store/sqlite"
)

const backupUsage = `Usage: openbell backup [--data-dir DIR] BACKUP-DIR

Copies the SQLite database of --data-dir into BACKUP-DIR, a new (or empty)
directory that becomes a data directory of its own: BACKUP-DIR/openbell.db
and, when the data directory has one, webhook-secret.key. The server may be
running: the copy is one consistent snapshot of the database (SQLite's VACUUM
INTO, in one read transaction), made beside the server's writes, which it
does not stop. To restore, stop the server and start it on BACKUP-DIR (or
copy BACKUP-DIR's files into its data directory).

For PostgreSQL (--database-url) use pg_dump: see docs/OPERATIONS.md.
`

// BackupFlags returns the flags of `openbell backup`, for shell completion.
func BackupFlags() *flag.FlagSet {
	var o backupOptions
	return o.flags()
}

type backupOptions struct {
	dataDir, databaseURL string
}

func (o *backupOptions) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("openbell backup", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), backupUsage+"\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
	fs.StringVar(&o.dataDir, "data-dir", "./openbell-data", "the server's data directory (OPENBELL_DATA_DIR)")
	fs.StringVar(&o.databaseURL, "database-url", "", "refused: a PostgreSQL database is backed up with pg_dump (OPENBELL_DATABASE_URL)")
	return fs
}

// RunBackup runs `openbell backup` with args.
func RunBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var o backupOptions
	fs := o.flags()
	rest, err := cli.Parse(fs, args, getenv, cli.EnvName, stdout)
	if err != nil {
		return err
	}
	if o.databaseURL != "" {
		return errors.New("openbell backup copies a SQLite data directory; back up a PostgreSQL database with pg_dump (docs/OPERATIONS.md, \"Backups\")")
	}
	if len(rest) != 1 {
		return cli.Usagef(fs, "openbell backup needs one argument, the directory to write the backup to")
	}
	start := time.Now()
	size, key, err := Backup(ctx, o.dataDir, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s (%.1f MB) to %s in %s", filepath.Join(o.dataDir, sqlite.FileName),
		float64(size)/1e6, filepath.Join(rest[0], sqlite.FileName), time.Since(start).Round(time.Millisecond))
	if key {
		fmt.Fprintf(stdout, ", with %s", KeyFileName)
	}
	fmt.Fprintln(stdout)
	return nil
}

// Backup copies the SQLite database of dataDir, running server or not, into
// dir, which must be missing or empty, with the webhook secret key file when
// there is one; dir can then serve as a data directory. It returns the size
// of the copy and whether the key file was copied. The copy is written
// under a temporary name, checked, synced and renamed, so that dir never
// holds a partial openbell.db.
func Backup(ctx context.Context, dataDir, dir string) (size int64, key bool, err error) {
	src := filepath.Join(dataDir, sqlite.FileName)
	if fi, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return 0, false, fmt.Errorf("--data-dir %s holds no openbell database (%s)", dataDir, sqlite.FileName)
	} else if err != nil {
		return 0, false, fmt.Errorf("--data-dir %s: %w", dataDir, reason(err))
	} else if !fi.Mode().IsRegular() {
		return 0, false, fmt.Errorf("--data-dir %s: %s is not a database file", dataDir, src)
	}
	if err := emptyDir(dir); err != nil {
		return 0, false, err
	}
	dst := filepath.Join(dir, sqlite.FileName)
	tmp := dst + ".partial"
	if err := vacuumInto(ctx, src, tmp); err != nil {
		os.Remove(tmp)
		return 0, false, fmt.Errorf("back up %s: %w", src, err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		os.Remove(tmp)
		return 0, false, fmt.Errorf("the copy of %s: %w", src, err)
	}
	if size, err = syncFile(tmp); err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, false, fmt.Errorf("back up %s: %w", src, err)
	}
	keyFile := filepath.Join(dataDir, KeyFileName)
	if b, err := os.ReadFile(keyFile); err == nil {
		if err := writeSynced(filepath.Join(dir, KeyFileName), b); err != nil {
			return 0, false, fmt.Errorf("copy %s: %w", keyFile, err)
		}
		key = true
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, false, fmt.Errorf("copy %s: %w", keyFile, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the renamed file's directory entry
		d.Close()
	}
	return size, key, nil
}

// emptyDir makes dir, or checks that it is an empty directory.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("backup directory %s: %w", dir, reason(err))
		}
		return nil
	case err != nil:
		return fmt.Errorf("backup directory %s: %w", dir, reason(err))
	case len(entries) > 0:
		return fmt.Errorf("backup directory %s is not empty: name a new directory", dir)
	}
	return nil
}

// vacuumInto writes a copy of the database src to dst with VACUUM INTO: one
// read transaction, so one consistent snapshot of a database in WAL mode
// that a server goes on writing to. The connection changes nothing in src.
func vacuumInto(ctx context.Context, src, dst string) error {
	db, err := openSQLiteFile(src, "ro")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", dst)
	return err
}

// checkCopy runs SQLite's quick check on a copy.
func checkCopy(ctx context.Context, path string) error {
	db, err := openSQLiteFile(path, "ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("quick_check: %s", result)
	}
	return nil
}

// openSQLiteFile opens one connection to an existing SQLite file, in mode
// ro (read only) or rw.
func openSQLiteFile(path, mode string) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=" + mode + "&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// syncFile flushes a file to disk and returns its size.
func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// writeSynced writes a new file (mode 0600) and flushes it to disk.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
