#!/usr/bin/env bash
# Scale on paper (README, "Beyond one machine"): what one core reads per second when writing a
# partial result, how big the partial is, and what merging it costs, on a benchmark corpus.
#
#   bench/scale.sh            # corpus 1m, 3 rounds
#   ROUNDS=5 bench/scale.sh 250k
#
# For each command family (role assumptions: events; hand-overs too: graph; every call:
# activity): `partial COMMAND -j 1` (a core's rate, the executors' work), the partial's size,
# and the merge (`COMMAND PART`, all cores: the driver's work) beside the direct run, whose
# output it must equal byte for byte. Medians of ROUNDS alternating rounds; peak RSS from
# /usr/bin/time.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
size=${1:-1m}
rounds=${ROUNDS:-3}
case $size in 250k) records=250000;; 1m) records=1000000;; *) echo "unknown size $size" >&2; exit 2;; esac
cargo build --release --quiet --bin trailmask --example inflate --example generate
bin=target/release/trailmask
corpus=bench/corpus-$size
[ -d "$corpus" ] || target/release/examples/generate corpus --records "$records" "$corpus"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One timed run: prints "seconds peak-kB".
timed() {
  local start end
  start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$out/rss" "$@" >/dev/null 2>"$out/stderr"
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') $(tail -n 1 "$out/rss")"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "corpus: $corpus, $(du -sb "$corpus" | cut -f1) bytes gzipped; commit $(git rev-parse --short HEAD)"
: > "$out/times"
for round in $(seq "$rounds"); do
  echo "floor-1thread $(timed target/release/examples/inflate "$corpus" 1)" >> "$out/times"
  for command in events graph activity; do
    echo "partial-$command $(timed "$bin" partial "$command" -q -j 1 "$corpus" -o "$out/$command.part")" >> "$out/times"
    echo "merge-$command $(timed "$bin" "$command" -q "$out/$command.part" -o "$out/$command.merged")" >> "$out/times"
    echo "direct-$command $(timed "$bin" "$command" -q "$corpus" -o "$out/$command.direct")" >> "$out/times"
    cmp -s "$out/$command.merged" "$out/$command.direct" ||
      { echo "bench: the merge of $command differs from the direct run" >&2; exit 1; }
    echo "size-$command $(stat -c %s "$out/$command.part")" >> "$out/sizes"
  done
done
python3 - "$out/times" "$out/sizes" "$records" <<'PY'
import statistics, sys
from collections import defaultdict
times, rss = defaultdict(list), defaultdict(list)
for line in open(sys.argv[1]):
    name, t, kb = line.split()
    times[name].append(float(t)); rss[name].append(int(kb))
sizes = dict(line.split() for line in open(sys.argv[2]))
records = int(sys.argv[3])
med = lambda n: statistics.median(times[n])
mb = lambda n: statistics.median(rss[n]) / 1024
print(f"\nfloor, 1 thread: {med('floor-1thread'):.3f} s")
print("| command | partial -j1 s | records/s per core | partial MB per 1M records | merge s | merge RSS MB | direct s | direct RSS MB |")
print("|---|---|---|---|---|---|---|---|")
for c in ("events", "graph", "activity"):
    p = med(f"partial-{c}")
    print(f"| {c} | {p:.3f} | {records / p:,.0f} | {int(sizes[f'size-{c}']) / 1e6 * 1e6 / records:.1f} | "
          f"{med(f'merge-{c}'):.3f} | {mb(f'merge-{c}'):.0f} | {med(f'direct-{c}'):.3f} | {mb(f'direct-{c}'):.0f} |")
PY
