#!/usr/bin/env bash
# Long fuzzing run of every libFuzzer target in fuzz/ (issue 13; goal >= 30 CPU-minutes each, 0 crashes):
#   scripts/fuzz-long.sh [MINUTES_PER_TARGET=30] [TARGET...]     (default: every fuzz_* target)
# Builds preset "fuzz" (clang 14, ASan + UBSan), runs each target for MINUTES of wall time on one core
# (targets one after another; BALIE_FUZZ_JOBS=N runs N targets at once), starting from the committed
# seed corpus (tests/fuzz/corpus/<target>, read only) plus a working corpus under
# build/fuzz/long/<target>/corpus that grows across runs. Crash/timeout/leak reproducers land in
# build/fuzz/long/<target>/artifacts; replay one with: build/fuzz/fuzz/fuzz_<target> <file>.
# Prints one line per target: CPU minutes, executions, execs/s, new corpus units, crashes; the exit
# status is 1 when any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
shift || true
jobs=${BALIE_FUZZ_JOBS:-1}
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j"$(nproc)" >/dev/null
out=build/fuzz/long
mkdir -p "$out"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in build/fuzz/fuzz/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi

run_one() {  # target -> writes $out/<target>/summary
  local t=$1 d=$out/$1
  mkdir -p "$d/corpus" "$d/artifacts"
  local seeds=tests/fuzz/corpus/$t
  # -rss_limit_mb: ASan's overhead on a 16 MiB body; -timeout: one input may not take longer (a hang).
  /usr/bin/time -f '%U %S' -o "$d/cpu" \
    "build/fuzz/fuzz/fuzz_$t" "$d/corpus" "$seeds" -max_total_time=$((minutes * 60)) -timeout=25 \
    -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 -artifact_prefix="$d/artifacts/" \
    >"$d/log" 2>&1 || true
  local cpu execs rate crashes units
  cpu=$(awk '{printf "%.1f", ($1 + $2) / 60}' "$d/cpu")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$d/log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$d/log" | grep -o '[0-9]*$' | tail -1)
  units=$(grep -o 'stat::new_units_added: *[0-9]*' "$d/log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$d/artifacts" -type f | wc -l)
  printf '%-14s cpu_min %6s  execs %10s  execs/s %6s  new_units %5s  crashes %s\n' \
    "$t" "$cpu" "${execs:-?}" "${rate:-?}" "${units:-?}" "$crashes" >"$d/summary"
}

running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
total=0
for t in "${targets[@]}"; do
  cat "$out/$t/summary"
  total=$((total + $(awk '{print $NF}' "$out/$t/summary")))
done
echo "crashes in total: $total (reproducers under $out/<target>/artifacts)"
[ "$total" -eq 0 ]
