#!/usr/bin/env python3
"""Elliptical slice sampling: BlackJAX's `elliptical_slice` against Sampo's,
same machine, same run, one chain, float64.

Target: prior N(0, I_d) times the Gaussian likelihood exp(-|x - y|^2 / 2),
y = (1, ..., 1), d = 100 (posterior N(y/2, I/2)); 10^4 iterations from 0.
BlackJAX runs its kernel inside one jitted `lax.scan` (compiled once, before
timing); Sampo runs `cargo bench -p sampo-slice --bench elliptical` (one
thread). Interleaved, `--repeat` times each; medians.

    pip install "jax[cpu]" blackjax
    python3 benchmarks/scripts/blackjax_elliptical.py --repeat 5
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    d, itnum = 100, 10_000
    y = jnp.ones(d)

    def loglik(x):
        return -0.5 * jnp.sum((x - y) ** 2)

    ess = blackjax.elliptical_slice(loglik, mean=jnp.zeros(d), cov=jnp.eye(d))

    @jax.jit
    def run(key):
        state = ess.init(jnp.zeros(d))

        def body(s, k):
            s, info = ess.step(k, s)
            return s, (s.position[0], info.subiter)

        _, (x0, sub) = jax.lax.scan(body, state, jax.random.split(key, itnum))
        return x0, sub

    x0, sub = run(jax.random.PRNGKey(0))
    x0.block_until_ready()  # compile once
    ours, theirs = [], []
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    for rep in range(args.repeat):
        out = subprocess.run(
            ["cargo", "bench", "-q", "-p", "sampo-slice", "--bench", "elliptical", "--", "--repeat", "1"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout
        ours.append(float(re.search(r"in ([0-9.]+) s", out).group(1)))
        t = time.perf_counter()
        x0, sub = run(jax.random.PRNGKey(rep + 1))
        x0.block_until_ready()
        theirs.append(time.perf_counter() - t)
        print(f"rep {rep}: sampo {ours[-1]:.4f} s | blackjax {theirs[-1]:.4f} s, "
              f"proposals/it {float(jnp.mean(sub)):.2f}, mean x0 error {float(jnp.mean(x0)) - 0.5:.3f}",
              flush=True)
    print(out.strip())
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"\nJAX {jax.__version__}, BlackJAX {blackjax.__version__}, d = {d}, {itnum} iterations, "
          f"{args.repeat} interleaved repetitions")
    print("| implementation | median s | it/s |")
    print("|---|---|---|")
    print(f"| BlackJAX elliptical_slice (jit, lax.scan) | {t:.4f} | {itnum / t:.0f} |")
    print(f"| Sampo elliptical (1 thread) | {o:.4f} | {itnum / o:.0f} |")
    print(f"ratio Sampo time / BlackJAX time: {o / t:.3f}")


if __name__ == "__main__":
    main()
