#!/usr/bin/env python3
"""emcee's stretch move against Sampo's, same machine, same run.

Target: the 10-D standard Gaussian; W = 32 walkers, emcee's default
StretchMove(a=2), one log-density evaluation per walker and step. emcee 3
runs with a NumPy log-probability in both of its modes: `vectorize=True` (one
call per half-ensemble, the fastest emcee can go) and the default per-walker
calls. Sampo runs `cargo run --release -p sampo-ensemble --example
stretch_throughput` (one thread; the red/blue halves of 16 walkers are too
small to split). Interleaved, `--repeat` times each; medians of walker-steps
per second, and the ratio.

    pip install emcee numpy
    cargo build --release -p sampo-ensemble --example stretch_throughput
    python3 benchmarks/scripts/emcee_stretch.py --repeat 5
"""

import argparse
import re
import statistics
import subprocess
import time

import emcee
import numpy as np

D = 10


def log_prob(x):
    return -0.5 * np.dot(x, x)


def log_prob_vec(xs):
    return -0.5 * np.einsum("ij,ij->i", xs, xs)


def emcee_rate(walkers, steps, vectorize):
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal((walkers, D))
    fn = log_prob_vec if vectorize else log_prob
    s = emcee.EnsembleSampler(walkers, D, fn, vectorize=vectorize)
    t0 = time.perf_counter()
    s.run_mcmc(p0, steps, progress=False)
    secs = time.perf_counter() - t0
    return walkers * steps / secs, float(np.mean(s.acceptance_fraction))


def sampo_rate(walkers, steps):
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "sampo-ensemble", "--example",
         "stretch_throughput", "--", str(walkers), str(steps), "1"],
        check=True, capture_output=True, text=True,
    ).stdout
    m = re.search(r"walker_steps_per_s ([0-9.]+) acceptance ([0-9.]+)", out)
    return float(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--walkers", type=int, default=32)
    args = ap.parse_args()
    w = args.walkers
    rows = {"emcee (vectorize=True)": [], "emcee (per walker)": [], "sampo stretch": []}
    acc = {k: [] for k in rows}
    for _ in range(args.repeat):
        for name, f in [
            ("emcee (vectorize=True)", lambda: emcee_rate(w, 5000, True)),
            ("emcee (per walker)", lambda: emcee_rate(w, 1000, False)),
            ("sampo stretch", lambda: sampo_rate(w, 200_000)),
        ]:
            r, a = f()
            rows[name].append(r)
            acc[name].append(a)
    print(f"10-D standard Gaussian, {w} walkers, stretch a = 2, emcee {emcee.__version__}, "
          f"medians of {args.repeat}")
    print(f"{'sampler':26} {'walker-steps/s':>15} {'acceptance':>10} {'sampo / this':>12}")
    ours = statistics.median(rows["sampo stretch"])
    for name, v in rows.items():
        r = statistics.median(v)
        print(f"{name:26} {r:15.4g} {statistics.median(acc[name]):10.3f} {ours / r:12.1f}")


if __name__ == "__main__":
    main()
