#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time and prints one
# summary line per target. Not part of `make test`: it needs minutes per
# target and cargo-fuzz. See docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; the targets default to all of them.
# FUZZ_SANITIZER=none runs without AddressSanitizer (faster; the default is
# address). Corpora grow in fuzz/corpus/<target> (not versioned) from the
# hand-written seeds in fuzz/seeds/<target>; crashes are written to
# fuzz/artifacts/<target>/ and make the script exit with status 1.
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(ids csv_source request_json markdown)
fi
case "$seconds" in
    '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/fuzz"
sanitizer="${FUZZ_SANITIZER:-address}"
# cargo-fuzz passes -Z flags (sanitizers, coverage); the stable compiler
# accepts them with RUSTC_BOOTSTRAP. One build job leaves the other core free.
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2
    cargo install cargo-fuzz --locked
fi

cd "$root"
# The main crate's build script embeds the DSFR from node_modules.
scripts/ensure-front.sh
echo "building the fuzz targets (sanitizer: $sanitizer)…" >&2
cargo fuzz build --fuzz-dir "$fuzz" -s "$sanitizer" >&2

mkdir -p "$fuzz/target/logs"
summary=()
failed=0
for t in "${targets[@]}"; do
    corpus="$fuzz/corpus/$t"
    log="$fuzz/target/logs/$t.log"
    mkdir -p "$corpus" "$fuzz/artifacts/$t"
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1)
    if [ -f "$fuzz/seeds/$t.dict" ]; then
        args+=(-dict="$fuzz/seeds/$t.dict")
    fi
    echo "fuzzing $t for ${seconds}s (log: $log)…" >&2
    # New inputs go to the first directory (the corpus); the seeds are read only.
    started=$SECONDS
    if cargo fuzz run --fuzz-dir "$fuzz" -s "$sanitizer" "$t" "$corpus" "$fuzz/seeds/$t" -- "${args[@]}" >"$log" 2>&1; then
        result="ok"
    else
        result="CRASH: $(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //' || true)"
        [ "$result" = "CRASH: " ] && result="FAILED (see $log)"
        failed=1
    fi
    secs=$((SECONDS - started))
    runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)"
    units="$(find "$corpus" -type f | wc -l)"
    summary+=("$(printf '%-13s %12s executions  %5ss  corpus %6s  %s' "$t" "${runs:-?}" "$secs" "$units" "$result")")
done

echo
echo "fuzz summary ($(date -u +%Y-%m-%dT%H:%MZ), ${seconds}s per target, sanitizer $sanitizer):"
printf '%s\n' "${summary[@]}"
exit "$failed"
