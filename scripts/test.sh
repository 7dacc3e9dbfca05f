#!/usr/bin/env bash
# Runs the whole test suite: set-up and build first, then every test, then one
# closing line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
BUILD_DIR=${BUILD_DIR:-build}
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 "$@"
python3 scripts/summarize_tests.py "$BUILD_DIR/meson-logs/testlog.junit.xml"
