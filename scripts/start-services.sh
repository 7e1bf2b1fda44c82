#!/usr/bin/env bash
# Start PostgreSQL 15 on 127.0.0.1:5432 (test role and database with PostGIS) and MariaDB on 127.0.0.1:3306.
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

# MariaDB on 127.0.0.1:3306 (no systemd): the stand-in for a wvp-GB28181-pro platform's database.
if ! mariadb-admin --protocol=socket ping >/dev/null 2>&1; then
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  nohup mysqld_safe --user=mysql --bind-address=127.0.0.1 --port=3306 >/dev/null 2>&1 &
  for _ in $(seq 1 60); do mariadb-admin --protocol=socket ping >/dev/null 2>&1 && break; sleep 1; done
fi
mariadb-admin --protocol=socket ping
mariadb --protocol=socket -e "CREATE USER IF NOT EXISTS 'sharpeyes'@'127.0.0.1' IDENTIFIED BY 'sharpeyes';
  CREATE DATABASE IF NOT EXISTS sharpeyes_wvp CHARACTER SET utf8mb4;
  GRANT ALL PRIVILEGES ON *.* TO 'sharpeyes'@'127.0.0.1'; FLUSH PRIVILEGES;"
