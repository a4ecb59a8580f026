#!/usr/bin/env python3
"""Sampo's `smc` side by side with BlackJAX's adaptive tempered SMC, same target,
same reference, same particle count, same gradient budget (same machine, same run).

    cargo build --release -p sampo-bench
    pip install jax blackjax
    python3 benchmarks/scripts/blackjax_smc.py --out target/blackjax-smc [--seeds 1 2 3]

Target: the 8 Gaussians preset (means 10(sin iπ/4, cos iπ/4), covariance 0.7 I,
equal weights; normalized, so log Z = 0), written here in JAX exactly as
`sampo_targets::GaussianMixture::eight_gaussians`. Both samplers temper along
π_β ∝ N(0, I)^{1−β} π^β (BlackJAX: prior N(0, I), log likelihood log π − log N(0, I)),
choose the next β by bisection for ESS = 0.5 N, resample systematically, and move
by 10 MALA steps per stage. What differs, by design of each library:

- BlackJAX mutates at the previous β and then reweights (`smc/tempered.py`), with a
  fixed MALA step (0.1 here; it has no step adaptation inside tempered SMC); Sampo
  reweights, resamples, then mutates at the new β, adapting the step stage to stage.
- Evaluations per particle and stage, counted from BlackJAX's source
  (`smc/from_mcmc.py`, `smc/tempered.py`, `smc/adaptive_tempered.py`): one
  value-and-gradient at `mcmc_init_fn` plus one per MALA step, and two log-likelihood
  (density) evaluations (the ESS solver's and the weights'). Sampo caches ℓ: one
  gradient per move, one at the initial draw, no extra density evaluations.

Sampo runs with a gradient budget per sample equal to BlackJAX's gradients per
particle; what it has left after reaching β = 1 it spends in resample-move sweeps.
Wall time: BlackJAX's is measured after a compile run on another seed (its compile
time is reported separately); Sampo's is the CLI's `wall_s` (the run alone). Both
use every core; JAX runs in float64 (`jax_enable_x64`), as Sampo. W2 and mode-weight TV from `sampo-bench compare` against exact
samples (weighted output measured with its weights).

Writes OUT/comparison.csv and prints a Markdown table.
"""
import argparse
import csv
import functools
import json
import os
import platform
import subprocess
import time

import numpy as np

N_MOVES = 10
MALA_STEP = 0.1
TARGET_ESS = 0.5


def eight_gaussians_logpdf():
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    ang = np.arange(8) * np.pi / 4
    means = jnp.asarray(np.stack([10 * np.sin(ang), 10 * np.cos(ang)], axis=1))
    var = 0.7

    def logpdf(x):
        d2 = jnp.sum((x[None, :] - means) ** 2, axis=1)
        comp = -0.5 * d2 / var - jnp.log(2 * jnp.pi * var)
        return logsumexp(comp) - jnp.log(8.0)

    return logpdf


@functools.lru_cache(maxsize=None)
def blackjax_smc():
    """The tempered SMC algorithm and its jitted step, built (and compiled) once."""
    import jax

    jax.config.update("jax_enable_x64", True)  # float64, as Sampo
    import jax.numpy as jnp
    import blackjax
    from blackjax.smc import resampling

    logpdf = eight_gaussians_logpdf()

    def logprior(x):
        return -0.5 * jnp.sum(x * x) - jnp.log(2 * jnp.pi)

    def loglik(x):
        return logpdf(x) - logprior(x)

    smc = blackjax.adaptive_tempered_smc(
        logprior,
        loglik,
        blackjax.mala.build_kernel(),
        blackjax.mala.init,
        {"step_size": jnp.array([MALA_STEP])},
        resampling.systematic,
        TARGET_ESS,
        num_mcmc_steps=N_MOVES,
    )
    return smc, jax.jit(smc.step)


def run_blackjax(n, seed):
    import jax

    smc, step = blackjax_smc()
    key = jax.random.PRNGKey(seed)
    key, k0 = jax.random.split(key)
    x0 = jax.random.normal(k0, (n, 2))
    state = smc.init(x0)
    log_z = 0.0
    stages = 0
    t = time.perf_counter()
    while float(state.tempering_param) < 1.0:
        key, k = jax.random.split(key)
        state, info = step(k, state)
        log_z += float(info.log_likelihood_increment)
        stages += 1
    jax.block_until_ready(state.particles)
    wall = time.perf_counter() - t
    return {
        "samples": np.asarray(state.particles),
        "log_w": np.log(np.asarray(state.weights)),
        "log_z": log_z,
        "stages": stages,
        "wall_s": wall,
        "grad_per_particle": stages * (N_MOVES + 1),
        "density_per_particle": 2 * stages,
    }


def write_csv(path, x, log_w):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x0", "x1", "log_w"])
        for row, lw in zip(x, log_w):
            w.writerow([repr(float(row[0])), repr(float(row[1])), repr(float(lw))])


def compare(bench, path, seed):
    out = subprocess.run(
        [bench, "compare", path, "--target", "8-gaussians", "--metrics", "w2,mode-tv",
         "--seed", str(seed), "--floor-repeats", "2"],
        check=True, capture_output=True, text=True,
    ).stdout
    doc = json.loads(out)
    return doc["metrics"]["w2"], doc["metrics"]["mode-tv"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="target/blackjax-smc")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--bench", default="target/release/sampo-bench")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    t = time.perf_counter()
    run_blackjax(a.n, 10_000)  # compile (and one full run) on a seed not reported
    compile_s = time.perf_counter() - t

    rows = []
    for seed in a.seeds:
        bj = run_blackjax(a.n, seed)
        bj_csv = os.path.join(a.out, f"blackjax-{seed}.csv")
        write_csv(bj_csv, bj["samples"], bj["log_w"])
        w2, tv = compare(a.bench, bj_csv, seed)
        rows.append({"sampler": "blackjax", "seed": seed, "stages": bj["stages"],
                     "grad_per_particle": bj["grad_per_particle"],
                     "density_per_particle": bj["density_per_particle"],
                     "wall_s": bj["wall_s"], "log_z_err": abs(bj["log_z"]), "w2": w2,
                     "mode_tv": tv})

        ours_csv = os.path.join(a.out, f"sampo-{seed}.csv")
        info = json.loads(subprocess.run(
            [a.bench, "sample", "--target", "8-gaussians", "--sampler", "smc",
             "--n", str(a.n), "--seed", str(seed), "--budget", str(bj["grad_per_particle"]),
             "--out", ours_csv],
            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        w2, tv = compare(a.bench, ours_csv, seed)
        ev = info["evaluations"]
        rows.append({"sampler": "sampo", "seed": seed, "stages": info["stats"]["stages"],
                     "grad_per_particle": ev["gradient"] / a.n,
                     "density_per_particle": ev["density"] / a.n,
                     "wall_s": info["wall_s"], "log_z_err": abs(info["stats"]["log_z"]),
                     "w2": w2, "mode_tv": tv})

    with open(os.path.join(a.out, "comparison.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"BlackJAX compile + first run: {compile_s:.1f} s; n = {a.n}")
    print("| sampler | seed | stages | grad/particle | density/particle | wall s | |Δ log Z| | W2 | mode TV |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['sampler']} | {r['seed']} | {r['stages']:.0f} | {r['grad_per_particle']:.0f} | "
              f"{r['density_per_particle']:.0f} | {r['wall_s']:.3f} | {r['log_z_err']:.4f} | "
              f"{r['w2']:.4f} | {r['mode_tv']:.4f} |")
    for s in ("blackjax", "sampo"):
        sel = [r for r in rows if r["sampler"] == s]
        print(f"{s}: mean |Δ log Z| {np.mean([r['log_z_err'] for r in sel]):.4f}, "
              f"mean W2 {np.mean([r['w2'] for r in sel]):.4f}, "
              f"median wall {np.median([r['wall_s'] for r in sel]):.3f} s")


if __name__ == "__main__":
    main()
