#!/usr/bin/env bash
# A/B throughput of two sampo-bench binaries, interleaved in one session so that
# machine load affects both alike: ROUNDS rounds of `throughput --repeat REPEAT`
# for A then B; prints every JSON line tagged with its binary, then the median
# particle-steps per second per (binary, target, sampler, threads).
#
#   benchmarks/scripts/throughput_ab.sh OLD_BINARY NEW_BINARY [ROUNDS] [REPEAT]
set -euo pipefail
a=$1; b=$2; rounds=${3:-3}; repeat=${4:-3}
out=$(mktemp)
for r in $(seq "$rounds"); do
  for tag in A B; do
    bin=$a; [ "$tag" = B ] && bin=$b
    "$bin" throughput --repeat "$repeat" | sed "s/^/$tag /" >> "$out"
  done
done
cat "$out"
python3 - "$out" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tag, js = line.split(" ", 1)
    c = json.loads(js)
    rows[(c["target"], c["sampler"], c["threads"], tag)].append(c["particle_steps_per_s"])
keys = sorted({k[:3] for k in rows})
print("| target | sampler | threads | A (M/s) | B (M/s) | B/A |")
print("|---|---|---|---|---|---|")
for k in keys:
    a = statistics.median(rows[k + ("A",)]) / 1e6
    b = statistics.median(rows[k + ("B",)]) / 1e6
    print(f"| {k[0]} | {k[1]} | {k[2]} | {a:.2f} | {b:.2f} | {b/a:.3f} |")
PY
rm -f "$out"
