#!/usr/bin/env bash
# The README's test command, and exactly what CI runs (.ci/run): set up with the test tools,
# start PostgreSQL and Redis on loopback, then every test (database tests on both SQLite and
# PostgreSQL). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
source scripts/services.sh
exec .venv/bin/python -m pytest "$@"
