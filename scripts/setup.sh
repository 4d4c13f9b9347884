#!/usr/bin/env bash
# Set up sohoa on a fresh Debian 12 machine, as root: system packages, then a virtual
# environment in .venv with sohoa installed (non-editable). `setup.sh test` adds the test tools,
# the Tantivy engine (the tests run every search test against both engines), the `scale` extra
# (Celery and psycopg), Debian's Chromium with its driver (the browser tests drive it; nothing
# downloads a browser), and PostgreSQL and Redis (`scripts/services.sh` starts them for the
# tests). `setup.sh scale` adds only the `scale` extra (a server or OCR worker machine:
# docs/deployment.md).
# Prints the time each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
test_packages=""
if [ "${1:-}" = "test" ]; then
    extra="[test,tantivy,scale]"
    test_packages="chromium chromium-driver postgresql redis-server"
elif [ "${1:-}" = "scale" ]; then
    extra="[scale]"
fi

phase_start=$SECONDS
phase() {
    echo "== setup: $1 took $((SECONDS - phase_start)) s"
    phase_start=$SECONDS
}

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    python3 python3-venv \
    tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd tesseract-ocr-eng \
    poppler-utils ghostscript qpdf unpaper fonts-liberation2 $test_packages >/dev/null
phase "system packages (apt)"

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check ".${extra}"
phase "python package (pip install .${extra})"
