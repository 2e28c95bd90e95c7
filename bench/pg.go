package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// defaultPostgresURL is the server tried when neither -database-url nor
// OPENBELL_BENCH_DATABASE_URL is set.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// pgServer hands out fresh, empty PostgreSQL databases, one per scenario:
// CREATE DATABASE on the server of adminURL (what createdb does), or, when
// the role may not create databases, a fresh schema in adminURL's database
// reached through search_path.
type pgServer struct {
	adminURL string
	admin    *sql.DB
}

// openPG connects to adminURL; it fails fast when the server is not there.
func openPG(adminURL string) (*pgServer, error) {
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &pgServer{adminURL: adminURL, admin: db}, nil
}

func (p *pgServer) Close() error { return p.admin.Close() }

// Fresh creates an empty database and returns its URL and a function that
// drops it (call it after the server using it has stopped).
func (p *pgServer) Fresh() (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("openbell_bench_%d_%s", os.Getpid(), hex.EncodeToString(b[:]))
	u, err := url.Parse(p.adminURL)
	if err != nil {
		return "", nil, err
	}
	if _, err := p.admin.Exec("CREATE DATABASE " + name); err == nil {
		u.Path = "/" + name
		drop := func() {
			if _, err := p.admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				_, _ = p.admin.Exec("DROP DATABASE IF EXISTS " + name)
			}
		}
		return u.String(), drop, nil
	} else if _, serr := p.admin.Exec("CREATE SCHEMA " + name); serr != nil {
		return "", nil, fmt.Errorf("create database: %v; create schema: %v", err, serr)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop := func() { _, _ = p.admin.Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE") }
	return u.String(), drop, nil
}

// analyze runs ANALYZE in the database of url.
func analyze(url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}

// BackendCPU returns the CPU time used so far by PostgreSQL's backends
// connected to the database of dbURL (the server under test's), read from
// /proc: PostgreSQL runs on this machine, shared with other users whose
// backends do not count.
func (p *pgServer) BackendCPU(dbURL string) time.Duration {
	u, err := url.Parse(dbURL)
	if err != nil || len(u.Path) < 2 {
		return 0
	}
	rows, err := p.admin.Query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, u.Path[1:])
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			d, _ := processCPU(pid)
			total += d
		}
	}
	return total
}
