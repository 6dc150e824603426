#!/usr/bin/env bash
# The benchmark: trailmask against the floor (inflating the same files on the same cores with
# the same flate2 backend, examples/inflate.rs) and against `zcat | jq`, on generated corpora.
#
#   bench/run.sh                 # corpora 250k and 1m, 5 alternating rounds
#   bench/run.sh 250k 1m 4m      # choose sizes (4m writes ~6.5 GB of JSON, ~580 MB gzipped)
#   ROUNDS=7 JQ=0 bench/run.sh   # more rounds; skip jq (it takes ~25 s per run at 1m)
#
# Contenders run in turn, round after round (alternating, so a noisy neighbour hits all of them
# alike); the table gives medians, ratios to the floor's median of the same run, throughput in
# MB/s of JSON, and the median peak RSS (/usr/bin/time).
set -euo pipefail
export LC_ALL=C # a decimal point in $EPOCHREALTIME
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(250k 1m)
rounds=${ROUNDS:-5}
use_jq=${JQ:-1}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v jq >/dev/null || use_jq=0

cargo build --release --quiet --bin trailmask --example inflate --example generate
bin=target/release/trailmask
floor=target/release/examples/inflate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

records_of() { case $1 in 250k) echo 250000;; 1m) echo 1000000;; 4m) echo 4000000;; *) echo "unknown size $1" >&2; exit 2;; esac; }

cat > "$out/filter.jq" <<'JQ'
.Records[] | select(.eventName == "AssumeRole" or .eventName == "AssumeRoleWithSAML" or .eventName == "AssumeRoleWithWebIdentity" or .eventName == "AssumeRoot" or .eventName == "GetFederationToken" or .eventName == "GetSessionToken" or .eventName == "SwitchRole") | [.eventTime, .eventName, (.errorCode // ""), (.userIdentity.arn // .userIdentity.invokedBy // ""), (.requestParameters.roleArn // ""), (.eventID // "")] | @csv
JQ

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "rounds: $rounds (alternating); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for size in "${sizes[@]}"; do
  corpus=bench/corpus-$size
  if [ ! -d "$corpus" ]; then
    target/release/examples/generate corpus --records "$(records_of "$size")" "$corpus"
  fi
  records=$($bin summary -q --format json "$corpus" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records_scanned"])')
  declare -a names=(floor floor-1thread events events-1thread graph summary passrole activity)
  declare -A cmds=(
    [floor]="$floor $corpus"
    [floor-1thread]="$floor $corpus 1"
    [events]="$bin events -q $corpus -o $out/events.csv"
    [events-1thread]="$bin events -q -j 1 $corpus -o $out/events1.csv"
    [graph]="$bin graph -q $corpus -o $out/graph.dot"
    [summary]="$bin summary -q $corpus -o $out/summary.txt"
    [passrole]="$bin passrole -q $corpus -o $out/passrole.csv"
    [activity]="$bin activity -q $corpus -o $out/activity.csv"
  )
  # zcat | jq runs after the alternating rounds, not among them: its 20 s of load left the
  # floor, which ran next, up to 10% slower on an AMD host (session 11), flattering the ratios.
  declare -a later=()
  if [ "$use_jq" = 1 ] && [ "$size" != 4m ]; then
    later=(zcat-jq)
    # -L: a corpus may be a symbolic link to one made elsewhere.
    cmds[zcat-jq]="set -o pipefail; find -L $corpus -name '*.json.gz' -print0 | sort -z | xargs -0 -r zcat | jq -r -f $out/filter.jq > $out/jq.csv"
  fi
  : > "$out/times"
  for round in $(seq "$rounds") $(seq -f "jq%g" "$rounds"); do
    if [ "${round#jq}" != "$round" ]; then
      run=("${later[@]}")
    else
      run=("${names[@]}")
    fi
    for name in "${run[@]}"; do
      # Each run writes a new file: replacing the last run's 45 MB CSV would add the kernel's
      # dropping of its cached pages (~25 ms here), work left over from the previous run.
      rm -f "$out"/*.csv "$out"/*.dot "$out"/*.txt
      # Wall time from bash's microsecond clock (/usr/bin/time's %e counts in hundredths, 3% of
      # a run at 1M); peak RSS from /usr/bin/time.
      start=$EPOCHREALTIME
      /usr/bin/time -f "%M" -o "$out/rss" bash -c "${cmds[$name]}" >/dev/null ||
        { echo "bench: $name failed: ${cmds[$name]}" >&2; exit 1; }
      end=$EPOCHREALTIME
      # A contender that printed nothing did no work: its time would mean nothing.
      if [ "$name" = zcat-jq ] && [ ! -s "$out/jq.csv" ]; then
        echo "bench: zcat | jq printed nothing for $corpus" >&2; exit 1
      fi
      echo "$name $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') $(tail -n 1 "$out/rss")" >> "$out/times"
    done
  done
  # The JSON size is what the floor inflates.
  bytes=$($floor "$corpus" | awk '{print $3}')
  echo
  echo "## corpus $size: $records records, $((bytes / 1000000)) MB of JSON"
  python3 - "$out/times" "$bytes" <<'PY'
import statistics, sys
from collections import defaultdict
times, rss = defaultdict(list), defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[0] != "Command":
        times[parts[0]].append(float(parts[1])); rss[parts[0]].append(int(parts[2]))
bytes_json = int(sys.argv[2])
floor = statistics.median(times["floor"])
floor1 = statistics.median(times["floor-1thread"])
print("| contender | median s | runs (s) | × floor | MB/s of JSON | peak RSS MB |")
print("|---|---|---|---|---|---|")
for name in times:
    med = statistics.median(times[name])
    base = floor1 if name.endswith("1thread") else floor
    runs = " ".join(f"{t:.3f}" for t in times[name])
    print(f"| {name} | {med:.3f} | {runs} | {med / base:.2f} | {bytes_json / med / 1e6:.0f} | {statistics.median(rss[name]) / 1024:.0f} |")
if "events-1thread" in times:
    print(f"\n2 threads vs 1 (events): {statistics.median(times['events-1thread']) / statistics.median(times['events']):.2f}x")
    print(f"graph vs events: {statistics.median(times['graph']) / statistics.median(times['events']):.3f}x")
if "zcat-jq" in times:
    print(f"zcat | jq vs trailmask graph: {statistics.median(times['zcat-jq']) / statistics.median(times['graph']):.1f}x slower")
PY
done
