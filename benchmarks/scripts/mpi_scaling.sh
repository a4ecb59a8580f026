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
run() { # ranks agents -> "wall seconds of rank 0 (best of 2)" "wire bytes per round"
    local t best="" wire=""
    t="$(target "$2")"
    for _ in 1 2; do
        local j w
        j=$(mpirun --oversubscribe -np "$1" "$B" sample --target "$t" --sampler d-sgld \
            --set agents="$2" --set iterations=50 --set step_size=0.01 --set graph=complete --set output=average \
            --n 64 --network mpi --out "$tmp/o.csv")
        w=$(echo "$j" | sed -E 's/.*"wall_s":([0-9.e-]+).*/\1/')
        wire=$(echo "$j" | sed -E 's/.*"wire_bytes_per_round":([0-9.e+-]+).*/\1/')
        if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    done
    echo "$best $wire"
}
mb() { awk "BEGIN{printf \"%.2f\", $1/1e6}"; }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "| scaling | ranks | agents | wall s (rank 0, best of 2) | speed-up / efficiency | MB sent between ranks per round |"
echo "|---|---|---|---|---|---|"
# Speed-up and efficiency against the 1-rank row of the same sweep (measured the same way).
base=""
for p in 1 2 4 8; do
    read -r w wire <<< "$(run "$p" 64)"
    [ -z "$base" ] && base=$w
    echo "| strong | $p | 64 | $(printf %.2f "$w") | $(awk "BEGIN{printf \"%.2f× / %.0f%%\", $base/$w, 100*$base/$w/$p}") | $(mb "$wire") |"
done
base=""
for p in 1 2 4 8; do
    read -r w wire <<< "$(run "$p" $(( 16 * p )))"
    [ -z "$base" ] && base=$w
    echo "| weak | $p | $(( 16 * p )) | $(printf %.2f "$w") | $(awk "BEGIN{printf \"efficiency %.0f%%\", 100*$base/$w}") | $(mb "$wire") |"
done
