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
log=build-fuzz/fuzz.log
if build-fuzz/tests/fuzz/core_fuzz -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
  -rss_limit_mb=4096 -artifact_prefix=build-fuzz/ "$corpus" >"$log" 2>&1; then
  grep -E "^#[0-9]+[[:space:]]+DONE|^Done|stat::(number_of_executed_units|peak_rss)" "$log" || true
else
  echo "fuzz: FAILED; the input is saved in build-fuzz/ (crash-*); log: $log"
  grep -vE '# Uses: ' "$log" | grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)|NEW_FUNC' | tail -80
  exit 1
fi
