#!/bin/bash
# A fuzzing campaign over pv-grub's targets with the tight limits of issue 8, writing a table.
#
#   scripts/fuzz-campaign.sh [SECONDS [BOOT_SECONDS [JOBS [TARGET...]]]]
#
# Each target runs SECONDS (default 600; the `boot` target BOOT_SECONDS, default 1800) under
# libFuzzer with -rss_limit_mb=256 -timeout=2 -max_len=1048576 (whole small disks), JOBS
# targets at a time (default 2). The `boot` target's inputs are whole disks, and libFuzzer keeps
# its corpus in memory, so it runs with -rss_limit_mb=1024 -malloc_limit_mb=256 instead; for
# every target the harness holds each input's heap peak to its budget (pvgrub/fuzz/harness.rs). It reads the saved corpus (pvgrub/fuzz/corpus/TARGET) and
# writes what it finds to target/fuzz-campaign/corpus/TARGET; afterwards the inputs that add
# coverage are merged into the saved corpus (libFuzzer -merge=1). Crashes, leaks, timeouts and
# out-of-memory inputs land in target/fuzz-campaign/artifacts/TARGET/.
#
# Output: target/fuzz-campaign/campaign.md (one row per target run so far, here or by an
# earlier call: seconds, executions, exec/s,
# coverage, corpus growth, findings) and each target's log beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
boot_secs=${2:-1800}
jobs=${3:-2}
shift $(($# < 3 ? $# : 3))
out=target/fuzz-campaign
mkdir -p "$out"
mapfile -t all < <(sed -n 's/^name = "\(.*\)"$/\1/p' pvgrub/fuzz/Cargo.toml)
if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=("${all[@]}")
fi
limits=(-rss_limit_mb=256 -timeout=2 -max_len=1048576)
fuzz=(cargo +nightly fuzz run --fuzz-dir pvgrub/fuzz --release --sanitizer none)

"${fuzz[0]}" "${fuzz[1]}" fuzz build --fuzz-dir pvgrub/fuzz --release --sanitizer none >"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log"; exit 1; }

run_one() {
    local t=$1 s=$2
    local dir="$out/corpus/$t" art="$out/artifacts/$t/"
    mkdir -p "$dir" "$art"
    local before
    before=$(find "pvgrub/fuzz/corpus/$t" -type f | wc -l)
    local lim=("${limits[@]}")
    if [ "$t" = boot ]; then
        lim=(-rss_limit_mb=1024 -malloc_limit_mb=256 -timeout=2 -max_len=1048576)
    fi
    local start=$SECONDS rc=0 execs=0 spurious=0
    : >"$out/$t.log"
    while [ $((s - (SECONDS - start))) -gt 0 ]; do
        rc=0
        "${fuzz[@]}" "$t" "$dir" "pvgrub/fuzz/corpus/$t" -- "${lim[@]}" \
            -max_total_time=$((s - (SECONDS - start))) -print_final_stats=1 \
            -artifact_prefix="$art" >"$out/$t.run" 2>&1 || rc=$?
        cat "$out/$t.run" >>"$out/$t.log"
        local e
        e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.run" | tail -1)
        execs=$((execs + ${e:-0}))
        [ "$rc" -eq 0 ] && break
        # A timeout whose input takes under 0.5 s of CPU alone (the machine was busy: the
        # timeout is wall-clock) is set aside and the fuzzing goes on; anything else stops.
        local unit
        unit=$(sed -n 's/.*Test unit written to //p' "$out/$t.run" | tail -1)
        case "$(basename "${unit:-x}")" in timeout-*) ;; *) break ;; esac
        local cpu
        /usr/bin/time -o "$out/$t.cpu" -f '%U %S' timeout 10 \
            "pvgrub/fuzz/target/x86_64-unknown-linux-gnu/release/$t" -runs=1 "$unit" \
            >/dev/null 2>&1 || break
        cpu=$(tail -1 "$out/$t.cpu" | awk '{print int(($1 + $2) * 1000)}')
        [ -n "$cpu" ] && [ "$cpu" -lt 500 ] || break
        mkdir -p "$art/busy"
        mv "$unit" "$art/busy/"
        spurious=$((spurious + 1))
        rc=0
    done
    local took=$((SECONDS - start))
    # Merge what added coverage into the saved corpus, unless that makes it over 4 MiB (CI
    # replays it; the whole campaign corpus stays in $dir).
    local saved="pvgrub/fuzz/corpus/$t"
    find "$saved" -type f | sort >"$out/$t.saved"
    "${fuzz[@]}" "$t" "$saved" "$dir" -- "${lim[@]}" -merge=1 >"$out/$t.merge.log" 2>&1 || true
    local after note=""
    if [ "$(du -sk "$saved" | cut -f1)" -gt 4096 ]; then
        find "$saved" -type f | sort | comm -13 "$out/$t.saved" - | xargs -r rm --
        note=" (merge over 4 MiB, not saved)"
    fi
    after="$(find "$saved" -type f | wc -l)$note"
    local rate cov found
    rate=$((execs / (took > 0 ? took : 1)))
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
    found=$(find "$art" -maxdepth 1 -type f | wc -l)
    local verdict="none"
    if [ "$found" -gt 0 ]; then
        verdict="$found: $(find "$art" -maxdepth 1 -type f -printf '%f ')"
    elif [ "$rc" -ne 0 ]; then
        verdict="libFuzzer exit $rc (see $t.log)"
    fi
    if [ "$spurious" -gt 0 ]; then
        verdict="$verdict; $spurious wall-clock timeout(s) on the busy machine, each input under"
        verdict="$verdict 0.5 s of CPU alone (artifacts/$t/busy)"
    fi
    printf '| %s | %s | %s | %s | %s | %s -> %s | %s |\n' "$t" "$took" "${execs:-?}" \
        "${rate:-?}" "${cov:-?}" "$before" "$after" "$verdict" >"$out/$t.row"
}
for t in "${targets[@]}"; do
    if [ "$t" = boot ]; then echo "boot $boot_secs"; else echo "$t $secs"; fi
done | xargs -P "$jobs" -L 1 bash -c \
    "set -u; out=$out; $(declare -p limits fuzz); $(declare -f run_one); run_one \"\$0\" \"\$1\""

{
    echo "# pv-grub fuzz campaign, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Limits: ${limits[*]} (boot: -rss_limit_mb=1024 -malloc_limit_mb=256); $jobs target(s) at a time on $(nproc) cores;" \
        "\`scripts/fuzz-campaign.sh $secs $boot_secs $jobs\`; $(cargo +nightly --version)."
    echo
    echo "| target | seconds | executions | exec/s | coverage | saved corpus (files) | findings |"
    echo "|---|---|---|---|---|---|---|"
    # Every target with a result in $out, this run's or an earlier one's.
    for row in "${all[@]}"; do
        [ -f "$out/$row.row" ] && cat "$out/$row.row"
    done
} >"$out/campaign.md"
cat "$out/campaign.md"
