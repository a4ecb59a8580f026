#!/usr/bin/env bash
# Regenerates the reference sets of the physics suite (benchmarks/suites/physics.toml)
# for the targets without an exact sampler: DW-4, LJ-13 and phi^4 on 8 x 8. Each is a
# long MALA run (dual-averaged step) with 16 chains x 1250 kept draws and 2000
# gradient evaluations per kept draw, fixed seeds; `reference` fails (exit 1) unless
# every split-R-hat of the invariant statistics is below 1.01 (docs/physics.md).
# About 2 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench() { cargo run --release -q -p sampo-bench -- "$@"; }
out=benchmarks/reference
bench reference --target dw4    --chains 16 --draws 1250 --budget 2000 --seed 4  --init-scale 2   --out "$out/dw4"
bench reference --target lj13   --chains 16 --draws 1250 --budget 2000 --seed 13 --init-scale 1.5 --out "$out/lj13"
bench reference --target phi4-8 --chains 16 --draws 1250 --budget 2000 --seed 8  --init-scale 1   --out "$out/phi4-8"
