#!/usr/bin/env python3
"""Time POT's log-domain Sinkhorn on the point sets written by the sampo Sinkhorn
bench, interleaved with sampo's own timings, and compare values and times.

    cargo bench -p sampo-metrics --bench sinkhorn -- --out target/sinkhorn-bench --n 2000
    python3 benchmarks/scripts/pot_sinkhorn.py target/sinkhorn-bench --n 2000 --repeat 5 \
        --sampo "cargo bench -q -p sampo-metrics --bench sinkhorn -- --out target/sinkhorn-bench --n 2000"

With --sampo, each repetition runs that command once (it appends one timed call
per case to DIR/sampo-times.csv; the command may run the bench more than once,
e.g. also under RAYON_NUM_THREADS=1, and rows are told apart by their thread
count) and then times POT once per case, so the two share the machine's state;
medians over the repetitions are reported. Without it, only POT is timed and the
sampo rows already in DIR/sampo-times.csv are used. POT's numpy path runs on one
core.

What is timed on the POT side, per case: the three problems of the debiased
divergence S = OT(a, b) - (OT(a, a) + OT(b, b)) / 2, each by
`ot.sinkhorn2(w, w, M, reg, method="sinkhorn_log", stopThr=..., numItermax=2000,
log=True)`, with M = `ot.dist(x, y)` (squared Euclidean, built once per problem
and timed separately; sampo's time includes its own cost matrices) and reg = the
same epsilon the sampo bench used (DIR/<case>-<n>-eps.txt).

Like for like, and where it differs:

* Value. `ot.sinkhorn2` returns the linear cost <P, M> of the entropic plan, and
  `ot.bregman.empirical_sinkhorn_divergence` combines those ("sharp" Sinkhorn,
  clamped at 0): not sampo's S_eps, which uses the full entropic cost
  OT_eps = <P, M> + eps KL(P | a x b) (Feydy et al. 2019). We therefore take POT's
  final dual potentials (log["log_u"], log["log_v"]): f = eps (log_u - log a),
  g = eps (log_v - log b), and OT_eps = <a, f> + <b, g>, which is exactly sampo's
  reported value (POT's last update is the u one, so its row marginals are exact,
  as sampo's are). The sharp value is printed too, for reference.
* Stopping rule. POT checks, every 10th iteration, the L2 norm of the column
  marginal violation; sampo checks the L1 norm after every iteration. Since
  L2 <= L1 <= sqrt(m) L2, two POT settings bracket sampo's rule: stopThr = tol (L2;
  stops no later than an L1 rule would: favours POT, the reference for the
  ratio) and, with --safe, stopThr = tol / sqrt(m) (guarantees L1 < tol: stops
  later). The L1 violation POT actually reached is reported.
* Algorithm. POT iterates plain Sinkhorn from zero potentials at the target
  epsilon; sampo uses its own schedule (see crates/metrics/src/sinkhorn.rs). Both
  solve the same three problems to the same fixed points.

Requires `pip install POT` (numpy and scipy come with it).
"""
import argparse
import csv
import os
import platform
import shlex
import statistics
import subprocess
import time

import numpy as np
import ot


def load(dirname, case, n):
    a = np.loadtxt(os.path.join(dirname, f"{case}-{n}-a.csv"), delimiter=",", ndmin=2)
    b = np.loadtxt(os.path.join(dirname, f"{case}-{n}-b.csv"), delimiter=",", ndmin=2)
    with open(os.path.join(dirname, f"{case}-{n}-eps.txt")) as f:
        eps = float(f.read())
    return a, b, eps


def solve(x, y, eps, stop, max_iter):
    """One entropic problem with POT; returns (OT_eps, sharp cost, iterations,
    L1 column violation, seconds of ot.dist, seconds of ot.sinkhorn2)."""
    t = time.perf_counter()
    M = ot.dist(x, y)  # squared Euclidean
    t_dist = time.perf_counter() - t
    wa = np.full(x.shape[0], 1.0 / x.shape[0])
    wb = np.full(y.shape[0], 1.0 / y.shape[0])
    t = time.perf_counter()
    sharp, log = ot.sinkhorn2(
        wa, wb, M, eps, method="sinkhorn_log", stopThr=stop, numItermax=max_iter,
        log=True, warn=False,
    )
    t_solve = time.perf_counter() - t
    u, v = log["log_u"], log["log_v"]
    f = eps * (u - np.log(wa))
    g = eps * (v - np.log(wb))
    value = float(wa @ f + wb @ g)
    # Column violation of the returned potentials (rows are exact after the u update).
    col = np.exp(u[:, None] + v[None, :] - M / eps).sum(axis=0)
    l1 = float(np.abs(col - wb).sum())
    return value, float(sharp), int(log["niter"]) + 1, l1, t_dist, t_solve


def divergence(a, b, eps, stop, max_iter):
    t0 = time.perf_counter()
    ab = solve(a, b, eps, stop, max_iter)
    aa = solve(a, a, eps, stop, max_iter)
    bb = solve(b, b, eps, stop, max_iter)
    wall = time.perf_counter() - t0
    probs = (ab, aa, bb)
    return dict(
        divergence=ab[0] - 0.5 * (aa[0] + bb[0]),
        sharp=ab[1] - 0.5 * (aa[1] + bb[1]),
        ot_ab=ab[0],
        ot_aa=aa[0],
        ot_bb=bb[0],
        iterations=[p[2] for p in probs],
        l1=max(p[3] for p in probs),
        dist_s=sum(p[4] for p in probs),
        solve_s=sum(p[5] for p in probs),
        wall_s=wall,
    )


def sampo_rows(dirname, skip):
    path = os.path.join(dirname, "sampo-times.csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return rows[skip:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--cases", default="ring8-2d,gauss-2d")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tol", type=float, default=1e-4, help="sampo's L1 tolerance")
    ap.add_argument("--max-iter", type=int, default=2000)
    ap.add_argument("--safe", action="store_true", help="also time stopThr = tol/sqrt(m)")
    ap.add_argument("--sampo", help="command timing sampo once per case (interleaved)")
    args = ap.parse_args()
    cases = args.cases.split(",")

    skip = len(sampo_rows(args.dir, 0))
    if args.sampo:  # make sure the point files exist before POT reads them
        subprocess.run(shlex.split(args.sampo), check=True, stdout=subprocess.DEVNULL)
        skip = len(sampo_rows(args.dir, 0))
    stops = {"l2=tol": lambda m: args.tol}
    if args.safe:
        stops["l2=tol/sqrt(m)"] = lambda m: args.tol / np.sqrt(m)
    pot = {(c, s): [] for c in cases for s in stops}
    data = {c: load(args.dir, c, args.n) for c in cases}
    for rep in range(args.repeat):
        if args.sampo:
            subprocess.run(shlex.split(args.sampo), check=True, stdout=subprocess.DEVNULL)
        for c in cases:
            a, b, eps = data[c]
            for s, thr in stops.items():
                r = divergence(a, b, eps, thr(b.shape[0]), args.max_iter)
                pot[(c, s)].append(r)
                print(
                    f"rep {rep} {c} POT[{s}]: solve {r['solve_s']:.3f} s "
                    f"(+{r['dist_s']:.3f} s dist), iters {r['iterations']}, L1 {r['l1']:.2e}",
                    flush=True,
                )

    if args.sampo:
        rows = [r for r in sampo_rows(args.dir, skip) if int(r["n"]) == args.n]
    else:
        rows = [r for r in sampo_rows(args.dir, 0) if int(r["n"]) == args.n]
    ours = {}  # (case, threads) -> rows
    for r in rows:
        ours.setdefault((r["case"], r.get("threads", "?")), []).append(r)

    out = []
    print(f"\nPOT {ot.__version__}, numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, n = {args.n}, tol = {args.tol}, "
          f"{args.repeat} interleaved repetitions (medians)")
    print("| case | eps | sampo threads | POT stop | S_eps sampo | S_eps POT | rel. diff | sampo iters "
          "| POT iters (ab, aa, bb) | sampo L1 | POT L1 | sampo s | POT solve s | POT +dist s | ratio sampo/POT |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        eps = data[c][2]
        threads = sorted({t for (cc, t) in ours if cc == c}) or ["-"]
        for th in threads:
            mine = ours.get((c, th), [])
            t_ours = statistics.median(float(r["seconds"]) for r in mine) if mine else float("nan")
            s_ours = float(mine[-1]["divergence"]) if mine else float("nan")
            it_ours = mine[-1]["iterations"] if mine else "-"
            l1_ours = float(mine[-1]["marginal_error"]) if mine else float("nan")
            for s in stops:
                rs = pot[(c, s)]
                t_pot = statistics.median(r["solve_s"] for r in rs)
                t_pot_all = statistics.median(r["solve_s"] + r["dist_s"] for r in rs)
                last = rs[-1]
                rel = abs(s_ours - last["divergence"]) / abs(last["divergence"])
                row = dict(
                    case=c, n=args.n, epsilon=eps, sampo_threads=th, pot_stop=s, s_sampo=s_ours,
                    s_pot=last["divergence"], s_pot_sharp=last["sharp"], rel_diff=rel,
                    sampo_iters=it_ours, pot_iters=" ".join(map(str, last["iterations"])),
                    sampo_l1=l1_ours, pot_l1=last["l1"], sampo_s=t_ours, pot_solve_s=t_pot,
                    pot_total_s=t_pot_all, ratio=t_ours / t_pot,
                    sampo_times=" ".join(r["seconds"] for r in mine),
                    pot_times=" ".join(f"{r['solve_s']:.4f}" for r in rs),
                )
                out.append(row)
                print(
                    f"| {c} | {eps:.4g} | {th} | {s} | {s_ours:.8f} | {last['divergence']:.8f} | {rel:.1e} "
                    f"| {it_ours} | {row['pot_iters']} | {l1_ours:.1e} | {last['l1']:.1e} | {t_ours:.3f} "
                    f"| {t_pot:.3f} | {t_pot_all:.3f} | {t_ours / t_pot:.4f} |"
                )
        print(f"  ({c}: POT's own sharp divergence, from <P, M>: {pot[(c, s)][-1]['sharp']:.8f})")
        for (cc, th), mine in ours.items():
            if cc == c:
                print(f"  ({c}: sampo times, {th} threads: {[float(r['seconds']) for r in mine]})")
        for s in stops:
            print(f"  ({c}: POT[{s}] solve times: {[round(r['solve_s'], 3) for r in pot[(c, s)]]})")
    if out:
        with open(os.path.join(args.dir, "comparison.csv"), "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=list(out[0].keys()))
            wr.writeheader()
            wr.writerows(out)


if __name__ == "__main__":
    main()
