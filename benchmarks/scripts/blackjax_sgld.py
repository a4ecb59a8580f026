#!/usr/bin/env python3
"""SGLD steps per second: BlackJAX's `sgld` against Sampo's, same machine, same
run, one chain, float64.

Problem (as `crates/sgld/benches/sgld_logistic.rs`): Bayesian logistic regression,
N = 10^4 points, d = 20 features N(0, I), labels from theta*_j = (-1)^j / 2,
prior N(0, I); batch 32 drawn with replacement, constant step h = 1e-4 (both use
x' = x + h grad + sqrt(2h) xi), 10^5 steps from 0. The two draw their own data of
the same law: the cost of a step does not depend on the values. BlackJAX runs the
whole chain inside one jitted `lax.scan` (compiled once, before timing; the batch
indices drawn inside the scan); Sampo runs `cargo bench -p sampo-sgld --bench
sgld_logistic` (one thread). Interleaved, `--repeat` times each; medians.

    pip install "jax[cpu]" blackjax
    python3 benchmarks/scripts/blackjax_sgld.py --repeat 5
"""

import argparse
import os
import re
import statistics
import subprocess
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)
import blackjax  # noqa: E402

N, D, BATCH, H, STEPS = 10_000, 20, 32, 1e-4, 100_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    theta = jnp.array([0.5 if j % 2 == 0 else -0.5 for j in range(D)])
    kx, ky = jax.random.split(jax.random.PRNGKey(11))
    X = jax.random.normal(kx, (N, D))
    y = (jax.random.uniform(ky, (N,)) < jax.nn.sigmoid(X @ theta)).astype(jnp.float64)

    def logprior(x):
        return -0.5 * jnp.sum(x**2)

    def loglik(x, point):
        a, label = point
        z = a @ x
        # log sigma(z) for y = 1, log(1 - sigma(z)) for y = 0, stably.
        return label * z - jnp.logaddexp(0.0, z)

    grad = blackjax.sgmcmc.grad_estimator(logprior, loglik, N)
    sgld = blackjax.sgld(grad)

    @jax.jit
    def run(key):
        def body(carry, k):
            pos, acc, t = carry
            kb, ks = jax.random.split(k)
            idx = jax.random.randint(kb, (BATCH,), 0, N)
            pos = sgld.step(ks, pos, (X[idx], y[idx]), H)
            acc = acc + jnp.where(t >= STEPS // 2, pos, 0.0)
            return (pos, acc, t + 1), None

        init = (sgld.init(jnp.zeros(D)), jnp.zeros(D), 0)
        (pos, acc, _), _ = jax.lax.scan(body, init, jax.random.split(key, STEPS))
        return pos, acc / (STEPS - STEPS // 2)

    pos, mean = run(jax.random.PRNGKey(0))
    pos.block_until_ready()  # compile once
    ours, theirs = [], []
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    for rep in range(args.repeat):
        out = subprocess.run(
            ["cargo", "bench", "-q", "-p", "sampo-sgld", "--bench", "sgld_logistic", "--", "--repeat", "1"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout
        ours.append(float(re.search(r"in ([0-9.]+) s", out).group(1)))
        t = time.perf_counter()
        pos, mean = run(jax.random.PRNGKey(rep + 1))
        pos.block_until_ready()
        theirs.append(time.perf_counter() - t)
        err = float(jnp.max(jnp.abs(mean - theta)))
        print(f"rep {rep}: sampo {ours[-1]:.4f} s | blackjax {theirs[-1]:.4f} s, "
              f"max |mean - theta*| {err:.3f}", flush=True)
    print(out.strip())
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"\nJAX {jax.__version__}, BlackJAX {blackjax.__version__}, N = {N}, d = {D}, batch {BATCH}, "
          f"{STEPS} steps, {args.repeat} interleaved repetitions")
    print("| implementation | median s | steps/s |")
    print("|---|---|---|")
    print(f"| BlackJAX sgld (jit, lax.scan) | {t:.4f} | {STEPS / t:.0f} |")
    print(f"| Sampo sgld (1 thread) | {o:.4f} | {STEPS / o:.0f} |")
    print(f"ratio BlackJAX time / Sampo time: {t / o:.2f}")


if __name__ == "__main__":
    main()
