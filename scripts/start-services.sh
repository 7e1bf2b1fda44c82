#!/usr/bin/env bash
# Start PostgreSQL 15 on 127.0.0.1:5432 and make the test role and database with PostGIS.
set -euo pipefail
if ! pg_lsclusters 2>/dev/null | grep -q "15 *main"; then
  pg_createcluster 15 main >/dev/null
fi
pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='sharpeyes'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE sharpeyes LOGIN SUPERUSER PASSWORD 'sharpeyes'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='sharpeyes_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc 'CREATE DATABASE sharpeyes_test OWNER sharpeyes'"
su postgres -c "psql -q -d sharpeyes_test -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
