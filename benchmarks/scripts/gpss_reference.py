#!/usr/bin/env python3
"""GPSS iterations per second: the reference NumPy implementation against Sampo's,
same machine, same run, on the GPSS paper's hyperplane disk (d = 200, w = 20,
10^4 iterations from (1, ..., 1, 1 - d) scaled to norm 10).

The reference code is not part of this repository. Clone it and point --repo at
it (needs numpy, scipy, fastprogress):

    git clone https://github.com/microscopic-image-analysis/Gibbsian_Polar_Slice_Sampling /tmp/gpss-ref
    python3 benchmarks/scripts/gpss_reference.py --repo /tmp/gpss-ref --repeat 3

It runs `cargo bench -p sampo-slice --bench gpss` (one thread) and times the
reference's `gibbsian_polar_ss` (numpy, one thread: OMP/MKL/OpenBLAS threads set
to 1) interleaved, `--repeat` times each, and prints medians and the ratio.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"

import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="clone of Gibbsian_Polar_Slice_Sampling")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(args.repo, "code"))
    import slice_sampling as ss  # the reference implementation

    d, w, itnum = 200, 20.0, 10_000
    x0 = np.ones(d)
    x0[-1] = 1 - d
    x0 *= 10 / np.linalg.norm(x0)
    count = [0]

    def log_density(x):
        count[0] += 1
        return -np.inner(x, x) - np.sum(x) ** 2

    ours, ref, tde_ref = [], [], []
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    for rep in range(args.repeat):
        out = subprocess.run(
            ["cargo", "bench", "-q", "-p", "sampo-slice", "--bench", "gpss", "--", "--repeat", "1"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout
        m = re.search(r"in ([0-9.]+) s", out)
        ours.append(float(m.group(1)))
        np.random.seed(rep)
        count[0] = 0
        t = time.perf_counter()
        ss.gibbsian_polar_ss(log_density, x0, w, itnum, bar=False)
        ref.append(time.perf_counter() - t)
        tde_ref.append(count[0] / itnum)
        print(f"rep {rep}: sampo {ours[-1]:.4f} s, reference {ref[-1]:.3f} s (TDE/it {tde_ref[-1]:.2f})", flush=True)
    o, r = statistics.median(ours), statistics.median(ref)
    print(f"\nnumpy {np.__version__}, {args.repeat} interleaved repetitions, {itnum} iterations each")
    print("| implementation | median s | it/s | TDE/it |")
    print("|---|---|---|---|")
    print(f"| reference (NumPy) | {r:.3f} | {itnum / r:.0f} | {statistics.median(tde_ref):.2f} |")
    print(f"| Sampo (1 thread) | {o:.4f} | {itnum / o:.0f} | (see cargo bench) |")
    print(f"speed-up Sampo / reference: {r / o:.1f}x")


if __name__ == "__main__":
    main()
