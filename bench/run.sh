#!/bin/sh
# Runs the whole benchmark matrix: every scenario on SQLite and, when a
# PostgreSQL server is reachable, on PostgreSQL, then prints one table.
#
#   bench/run.sh                       # defaults below
#   bench/run.sh -duration 30s         # any flag of `go run ./bench -h`
#   OPENBELL_BENCH_DATABASE_URL=postgres://user:pw@host:5432/db bench/run.sh
#
# PostgreSQL: each scenario gets a fresh database on the server of
# OPENBELL_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# dropped afterwards. Exit status 1 when a scenario saw more than 0.1% errors.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench -engines all -scenarios close-open,list-tag,send,send-webhook \
	-contacts 10000 -list-sizes 1000,100000 -send-contacts 1000 -concurrency 32 -duration 10s "$@"
