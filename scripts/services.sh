# Sourced by scripts/test.sh: start Debian's PostgreSQL and Redis on loopback for the tests (as
# root, after `setup.sh test` installed them), and export the URLs the tests read. Starting
# what already runs is a no-op, so it can be sourced again.
#   SOHOA_TEST_POSTGRES_URL  a role that may create databases: every database test runs on
#                            SQLite and again on a fresh PostgreSQL database (tests/databases.py)
#   SOHOA_TEST_REDIS_URL     the broker the Celery worker tests use

cluster=$(pg_lsclusters --no-header | awk 'NR == 1 {print $1 " " $2}')
if ! pg_lsclusters --no-header | awk 'NR == 1 {print $4}' | grep -q online; then
    pg_ctlcluster $cluster start
fi
if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'sohoa'\"" | grep -q 1; then
    su postgres -c "psql -qc \"CREATE ROLE sohoa LOGIN CREATEDB PASSWORD 'sohoa'\""
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
export SOHOA_TEST_POSTGRES_URL="postgresql+psycopg://sohoa:sohoa@127.0.0.1:5432/postgres"
export SOHOA_TEST_REDIS_URL="redis://127.0.0.1:6379/15"  # emptied by the tests: not 0
echo "== services: PostgreSQL ($cluster) and Redis on 127.0.0.1"
