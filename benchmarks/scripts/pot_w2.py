#!/usr/bin/env python3
"""Time POT's exact `emd2` on the point sets written by the sampo W2 bench and
print the comparison with sampo's exact solver (same machine, same data).

    cargo bench -p sampo-metrics --bench w2 -- --out target/w2-bench
    python3 benchmarks/scripts/pot_w2.py target/w2-bench [--repeat 3]

Reads DIR/sampo.csv (case, n, d, w2, seconds_median, seconds_min) and the
point files DIR/<case>-<n>-{a,b}.csv. For each row it builds the squared-
Euclidean cost matrix with `ot.dist` (timed separately) and times
`ot.emd2(w, w, M, numItermax=1e7)` (the setting of gfn-diffusion and iDEM),
median of --repeat runs after one warm-up. Writes DIR/comparison.csv and prints
a Markdown table with ratio = ours / POT emd2 (cost-matrix time excluded from
POT, which favours POT).

Requires `pip install POT numpy`.
"""
import argparse
import csv
import os
import platform
import time

import numpy as np
import ot


def median_time(f, repeat):
    value = f()  # warm-up
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return value, ts[len(ts) // 2], ts[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with open(os.path.join(args.dir, "sampo.csv")) as f:
        rows = list(csv.DictReader(f))

    out = []
    for r in rows:
        case, n = r["case"], int(r["n"])
        a = np.loadtxt(os.path.join(args.dir, f"{case}-{n}-a.csv"), delimiter=",", ndmin=2)
        b = np.loadtxt(os.path.join(args.dir, f"{case}-{n}-b.csv"), delimiter=",", ndmin=2)
        w = np.full(n, 1.0 / n)
        t = time.perf_counter()
        M = ot.dist(a, b)  # squared Euclidean
        t_dist = time.perf_counter() - t
        w2sq, t_med, t_min = median_time(
            lambda: ot.emd2(w, w, M, numItermax=10_000_000), args.repeat
        )
        w2_pot = float(np.sqrt(w2sq))
        ours = float(r["seconds_median"])
        out.append(
            dict(
                case=case,
                n=n,
                d=int(r["d"]),
                w2_sampo=float(r["w2"]),
                w2_pot=w2_pot,
                rel_diff=abs(float(r["w2"]) - w2_pot) / w2_pot,
                sampo_s=ours,
                pot_emd2_s=t_med,
                pot_dist_s=t_dist,
                ratio=ours / t_med,
            )
        )
        print(f"{case} n={n}: sampo {ours:.4f} s, POT {t_med:.4f} s (+{t_dist:.4f} s dist)", flush=True)

    with open(os.path.join(args.dir, "comparison.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(out[0].keys()))
        wr.writeheader()
        wr.writerows(out)

    print(f"\nPOT {ot.__version__}, numpy {np.__version__}, {platform.processor() or platform.machine()}")
    print("| case | n | d | W2 (sampo) | W2 (POT) | rel. diff | sampo s | POT emd2 s | POT dist s | ratio ours/POT |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for o in out:
        print(
            f"| {o['case']} | {o['n']} | {o['d']} | {o['w2_sampo']:.10f} | {o['w2_pot']:.10f} | "
            f"{o['rel_diff']:.1e} | {o['sampo_s']:.3f} | {o['pot_emd2_s']:.3f} | {o['pot_dist_s']:.3f} | "
            f"{o['ratio']:.2f} |"
        )


if __name__ == "__main__":
    main()
