#!/usr/bin/env bash
# Builds the packet-core fuzzer with clang, ASan and UBSan (in build-fuzz/),
# seeds it with every packet of the fixtures and runs it for a bounded time.
# A crash or sanitizer report fails (non-zero exit).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
MAIN_BUILD=${BUILD_DIR:-build}
if [[ ! -f build-fuzz/build.ninja ]]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz tests/fuzz/core_fuzz >/dev/null
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$MAIN_BUILD/tests/packet/fixture_corpus" tests/fixtures "$corpus"
echo "fuzz: $(ls "$corpus" | wc -l) seed inputs, ${FUZZ_SECONDS}s"
build-fuzz/tests/fuzz/core_fuzz -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
  -rss_limit_mb=4096 -artifact_prefix=build-fuzz/ "$corpus" 2>&1 | tail -60
