#!/usr/bin/env bash
# Weak and strong scaling of the distributed samplers over MPI ranks (docs/distributed.md).
# Needs `cargo build --release -p sampo-bench --features mpi` and OpenMPI. One rayon thread
# per rank, so that P ranks use P cores; beyond the machine's cores the ranks are
# oversubscribed (`--oversubscribe`) and say nothing about a real cluster.
#
# Problem: D-SGLD (the agents' average reported: single agents are overdispersed at this
# data size and are refused by the harness's plausibility check) on a synthetic linear regression, d = 8, 1000 points per agent,
# 64 chains, 50 rounds on the complete graph (every rank sends its block to every other
# each round). Strong: 64 agents in all. Weak: 16 agents per rank.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=target/release/sampo-bench
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 RAYON_NUM_THREADS=1
target() { # agents
    cat > "$tmp/t$1.toml" <<T
[target]
kind = "linear-regression"
noise_std = 4.0
prior_std = 3.0
synthetic = { points = $(( $1 * 1000 )), dim = 8, seed = 1 }
T
    echo "$tmp/t$1.toml"
}
run() { # ranks agents -> wall seconds of rank 0 (best of 2)
    local t best=""
    t="$(target "$2")"
    for _ in 1 2; do
        local w
        w=$(mpirun --oversubscribe -np "$1" "$B" sample --target "$t" --sampler d-sgld \
            --set agents="$2" --set iterations=50 --set step_size=0.01 --set graph=complete --set output=average \
            --n 64 --network mpi --out "$tmp/o.csv" | sed -E 's/.*"wall_s":([0-9.e-]+).*/\1/')
        if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    done
    echo "$best"
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "| scaling | ranks | agents | wall s (rank 0, best of 2) | speed-up / efficiency |"
echo "|---|---|---|---|---|"
base=$(run 1 64)
for p in 1 2 4 8; do
    w=$(run "$p" 64)
    echo "| strong | $p | 64 | $w | $(awk "BEGIN{printf \"%.2f× / %.0f%%\", $base/$w, 100*$base/$w/$p}") |"
done
base=$(run 1 16)
for p in 1 2 4 8; do
    w=$(run "$p" $(( 16 * p )))
    echo "| weak | $p | $(( 16 * p )) | $w | $(awk "BEGIN{printf \"efficiency %.0f%%\", 100*$base/$w}") |"
done
