package app

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store"
)

// origins are the fixtures this server loaded at start, in the order it
// loaded them: the demo workspace (into the default account of a new
// database), then the --seed file. POST /sandbox/v1/reset loads an
// account's part of them again (inbox.Origins).
type origins struct {
	seed *seedFile // nil without --seed
}

// LoadAccount implements inbox.Origins.
func (o origins) LoadAccount(tx store.Tx, name string, now time.Time) (bool, error) {
	found, err := fixture.ApplyAccount(tx, fixture.Demo(), name, now)
	if err != nil || o.seed == nil {
		return found, err
	}
	r, done, err := o.seed.open()
	if err != nil {
		return false, err
	}
	defer done()
	inSeed, err := fixture.LoadAccount(tx, r, name, now)
	return found || inSeed, err
}

// seedFile is the --seed file as the server loaded it at start. A file is
// read again at each reset, after checking that it has not changed since
// (a large seed is not held in memory); a seed that cannot be read twice
// (a pipe) is held.
type seedFile struct {
	path   string
	digest [sha256.Size]byte // of the content, which the start's record of the load keeps too (seed.go)
	data   []byte            // the whole seed, when it is not a regular file
}

// openSeed opens the --seed file for the load at start and notes what it
// holds. The caller loads it from the reader and then calls done.
func openSeed(path string) (*seedFile, io.ReadSeeker, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		// A pipe (--seed /dev/stdin): it can be read only once.
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, nil, nil, err
		}
		return &seedFile{path: path, data: data, digest: sha256.Sum256(data)}, bytes.NewReader(data), func() {}, nil
	}
	s := &seedFile{path: path}
	if s.digest, err = digest(f); err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return s, f, func() { f.Close() }, nil
}

// open returns the seed to load again, or a conflict when the file changed
// since the server loaded it: the accounts it made are as it was then.
func (s *seedFile) open() (io.ReadSeeker, func(), error) {
	if s.data != nil {
		return bytes.NewReader(s.data), func() {}, nil
	}
	changed := ob.Errorf(ob.ECONFLICT, "the --seed file %s changed since the server loaded it; restart the server to load it again", s.path)
	f, err := os.Open(s.path)
	if os.IsNotExist(err) {
		return nil, nil, changed
	} else if err != nil {
		return nil, nil, err
	}
	d, err := digest(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if d != s.digest {
		f.Close()
		return nil, nil, changed
	}
	return f, func() { f.Close() }, nil
}

// digest hashes the whole of f and rewinds it.
func digest(f *os.File) ([sha256.Size]byte, error) {
	var d [sha256.Size]byte
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return d, err
	}
	h.Sum(d[:0])
	_, err := f.Seek(0, io.SeekStart)
	return d, err
}
