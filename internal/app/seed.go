package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store"
)

// seedRecordName names the record, in the database, of the last --seed file
// loaded into it (store.Tx.SetServerKey).
const seedRecordName = "seed"

// seedRecord is what the database keeps of the last --seed file loaded into
// it: the file's SHA-256 and the openbell version that loaded it. A start
// whose file has the same content, on the same version, skips the load
// (docs/FIXTURES.md, "Restarts").
type seedRecord struct {
	SHA256   string    `json:"sha256"`
	Version  string    `json:"version"`
	LoadedAt time.Time `json:"loaded_at"`
	Contacts int       `json:"contacts"`
}

// loadSeed loads the --seed file into st, unless the database's record says
// that this very file was the last one loaded into it; it logs what it did
// and how long it took since start (before the file was read to hash it).
// The file is read from r; seed is what the server keeps of it.
func loadSeed(ctx context.Context, st store.Store, seed *seedFile, r io.ReadSeeker, start time.Time, clock ob.Clock, log *slog.Logger, stderr io.Writer) error {
	rec := seedRecord{SHA256: hex.EncodeToString(seed.digest[:]), Version: Version}
	var last seedRecord
	err := st.Read(ctx, func(tx store.Tx) error {
		v, err := tx.ServerKey(seedRecordName)
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		// A record this version cannot read is as good as none.
		_ = json.Unmarshal([]byte(v), &last)
		return nil
	})
	if err != nil {
		return err
	}
	if last.SHA256 == rec.SHA256 && last.Version == rec.Version {
		log.Info("seed unchanged since its last load: skipped", slog.String("file", seed.path),
			slog.String("sha256", rec.SHA256[:16]), slog.Time("loaded_at", last.LoadedAt),
			slog.Int("contacts", last.Contacts), slog.Duration("took", time.Since(start).Round(time.Millisecond)))
		return nil
	}
	attrs := []any{slog.String("file", seed.path)}
	if n, err := r.Seek(0, io.SeekEnd); err == nil {
		attrs = append(attrs, slog.Int64("bytes", n))
	}
	log.Info("loading seed", attrs...)
	rep := newSeedProgress(log, stderr)
	progress := rep.update
	if testHookSeedProgress != nil {
		progress = func(r fixture.Progress) {
			testHookSeedProgress(r)
			rep.update(r)
		}
	}
	sum, err := fixture.LoadWith(ctx, st, r, clock.Now(), fixture.LoadOptions{Progress: progress})
	rep.finish(err)
	if err != nil {
		return err
	}
	rec.LoadedAt, rec.Contacts = clock.Now().UTC(), sum.Contacts
	b, _ := json.Marshal(rec)
	if err := st.Write(ctx, func(tx store.Tx) error { return tx.SetServerKey(seedRecordName, string(b), clock.Now()) }); err != nil {
		return fmt.Errorf("record the load: %w", err)
	}
	log.Info("seed loaded", slog.String("file", seed.path), slog.Int("accounts", sum.Accounts),
		slog.Int("contacts", sum.Contacts), slog.Int("created", sum.Created), slog.Int("updated", sum.Updated),
		slog.Int("unchanged", sum.Unchanged), slog.Int("messages", sum.Messages),
		slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	return nil
}

// testHookSeedProgress, when set, hears each progress report of a seed load
// first (the tests hold the load with it).
var testHookSeedProgress func(fixture.Progress)

// seedLogEvery is how often the progress of a seed load is logged when
// standard error is not a terminal. A variable for the tests (0: every
// report).
var seedLogEvery = 2 * time.Second

// isTerminal reports whether w is a terminal, where a progress bar is drawn
// instead of log lines. A variable for the tests.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// seedProgress shows the progress of a seed load: a progress bar per phase
// when standard error is a terminal (and the log level shows info), log
// lines every seedLogEvery otherwise.
type seedProgress struct {
	log    *slog.Logger
	w      io.Writer // the bar's terminal; nil: log lines
	bar    *progressbar.ProgressBar
	phase  string
	logged time.Time
}

func newSeedProgress(log *slog.Logger, stderr io.Writer) *seedProgress {
	p := &seedProgress{log: log, logged: time.Now()}
	if isTerminal(stderr) && log.Enabled(context.Background(), slog.LevelInfo) {
		p.w = stderr
	}
	return p
}

// update takes a report of fixture.LoadWith.
func (p *seedProgress) update(r fixture.Progress) {
	if p.w == nil {
		if time.Since(p.logged) >= seedLogEvery {
			p.logged = time.Now()
			p.log.Info("seed progress", slog.String("phase", r.Phase), slog.Int("contacts", r.Done), slog.Int("of", r.Total))
		}
		return
	}
	if r.Total == 0 {
		return // nothing to count
	}
	if r.Phase != p.phase || p.bar == nil {
		p.finishBar(nil)
		p.phase = r.Phase
		p.bar = progressbar.NewOptions(r.Total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("seed: "+r.Phase+" contacts"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		)
	}
	_ = p.bar.Set(r.Done)
}

// finish ends the bar of the last phase; err is the load's.
func (p *seedProgress) finish(err error) { p.finishBar(err) }

// finishBar completes the bar, or leaves it where the load stopped when it
// failed.
func (p *seedProgress) finishBar(err error) {
	switch {
	case p.bar == nil || p.bar.IsFinished():
	case err != nil:
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	default:
		_ = p.bar.Finish()
	}
	p.bar = nil
}
