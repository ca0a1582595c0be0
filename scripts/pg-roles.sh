#!/usr/bin/env bash
# Create LendDesk's two PostgreSQL roles (idempotent):
#   lenddesk_owner - owns the tables, runs migrations (and the test suite: FORCE RLS
#                    applies to it too, so every test runs behind row-level security);
#   lenddesk_app   - what web and worker processes use: data privileges only, not owner.
# Usage: scripts/pg-roles.sh [psql connection options as a superuser]
set -euo pipefail
psql_admin=(psql -v ON_ERROR_STOP=1 -q "$@")
"${psql_admin[@]}" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lenddesk_owner') THEN
    CREATE ROLE lenddesk_owner LOGIN CREATEDB;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lenddesk_app') THEN
    CREATE ROLE lenddesk_app LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END $$;
GRANT lenddesk_app TO lenddesk_owner;
-- Short queries only: JIT compilation costs more (70-110 ms) than the dashboards'
-- aggregates it would speed up.
ALTER ROLE lenddesk_app SET jit = off;
SQL
if ! "${psql_admin[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'lenddesk'" | grep -q 1; then
  "${psql_admin[@]}" -c "CREATE DATABASE lenddesk OWNER lenddesk_owner"
fi
