#!/usr/bin/env python3
"""Training steps per second of the double-well Stochastic Normalizing Flow of
Wu, Köhler & Noé (NeurIPS 2020; reference code noegroup/stochastic_normalizing_flows,
`boltzmann_generator_RNVP_MC`), rebuilt in plain eager PyTorch on the CPU, as the
peer for `crates/snf`'s training speed.

What it measures: optimizer steps per second (forward + backward + Adam, lr 5e-3,
batch 128) for two variants and three step kinds:

  variants   rnvp  RealNVP only: 3 transforms x (coupling on x1 | x0, then x0 | x1)
                   = 6 affine couplings; t and s nets 1 -> 64 -> ReLU -> 64 -> ReLU -> 1
                   (PyTorch default Linear init); log_sigma = exp(log_alpha) *
                   tanh(s(x_c)), log_alpha one scalar per coupling, initialised to -1.
             snf   the same couplings with Metropolis MC blocks: MC(u_Z) before the
                   first transform, MC(u_lambda) after transforms 0 and 1 with
                   lambda = 0 and 0.5 (u_lambda = (1-lambda) u_Z + lambda u_X), MC(u_X)
                   at the end; K = 20 steps y' = y + 0.25 xi each, one accept decision
                   per sample (torch.where, so gradients follow the accepted proposals'
                   reparameterised path), block term u_lambda(y_K) - u_lambda(y_0).
  steps      kl    z ~ N(0, I2) forward, loss = mean(u_X(x) - sum dlogp)
             ml    fixed data batch inverse (MC blocks simulated again, couplings
                   inverted), loss = mean(0.5 |z|^2 - sum dlogp_inverse)
             mixed one ML batch + one KL batch, loss = 0.5 ML + 0.5 KL (paper phase 2)

Target u_X(x) = x1^4 - 6 x1^2 - 0.5 x1 + 0.5 x2^2, prior u_Z(z) = 0.5 |z|^2.
ML data: 128 points drawn once (seed 0) by 128 independent Metropolis chains on u_X
(sigma 0.25, 2000 steps), half started at x = (-1.7, 0) and half at (1.75, 0), the
two wells' minima; then held fixed for every ML batch.
Each (dtype, variant, step, threads) cell: a fresh model (seed 0), 20 warm-up steps,
then 3 timed repeats of 200 steps; the median repeat's steps/s is reported. Threads
are torch.set_num_threads(1) and (2) (intra-op threads).

Run (needs `pip install torch`, the CPU build is enough; nothing else):

    python3 benchmarks/scripts/snf_torch_steps.py [--json out.json] [--dtype both]

--dtype is float64 (default), float32 or both (float64 first; about 4 min per dtype
on a 2-core machine). --json writes a list of records {variant, step, threads, dtype,
steps_per_s, torch_version, cpu, repeats_steps_per_s}. The numbers are only comparable
with the Rust numbers measured on the same machine in the same session (and with
nothing else loading the CPU).
"""

import argparse
import json
import platform
import statistics
import time

import torch
from torch import nn

BATCH = 128
LR = 5e-3
K_MC = 20
SIGMA_MC = 0.25
N_TRANSFORMS = 3
WARMUP = 20
STEPS = 200
REPEATS = 3


def u_prior(x):
    return 0.5 * (x * x).sum(dim=1)


def u_target(x):
    x1, x2 = x[:, 0], x[:, 1]
    x1sq = x1 * x1
    return x1sq * x1sq - 6.0 * x1sq - 0.5 * x1 + 0.5 * x2 * x2


def u_interpolated(lam):
    if lam == 0.0:
        return u_prior
    if lam == 1.0:
        return u_target
    return lambda x: (1.0 - lam) * u_prior(x) + lam * u_target(x)


def mlp():
    return nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))


class AffineCoupling(nn.Module):
    """Condition on coordinate `cond`, transform the other one."""

    def __init__(self, cond):
        super().__init__()
        self.cond = cond
        self.t = mlp()
        self.s = mlp()
        self.log_alpha = nn.Parameter(torch.tensor(-1.0))

    def _params(self, xc):
        log_sigma = self.log_alpha.exp() * torch.tanh(self.s(xc))
        return self.t(xc), log_sigma

    def _join(self, xc, xt):
        return torch.cat([xc, xt], dim=1) if self.cond == 0 else torch.cat([xt, xc], dim=1)

    def forward(self, x):
        xc = x[:, self.cond : self.cond + 1]
        xt = x[:, 1 - self.cond : 2 - self.cond]
        shift, log_sigma = self._params(xc)
        y = self._join(xc, log_sigma.exp() * xt + shift)
        return y, log_sigma[:, 0]

    def inverse(self, y):
        yc = y[:, self.cond : self.cond + 1]
        yt = y[:, 1 - self.cond : 2 - self.cond]
        shift, log_sigma = self._params(yc)
        x = self._join(yc, (yt - shift) * (-log_sigma).exp())
        return x, -log_sigma[:, 0]


class MetropolisBlock(nn.Module):
    """K random-walk Metropolis steps on `energy`; reversible, so inverse = forward."""

    def __init__(self, energy):
        super().__init__()
        self.energy = energy

    def forward(self, y):
        e0 = self.energy(y)
        e = e0
        for _ in range(K_MC):
            prop = y + SIGMA_MC * torch.randn_like(y)
            e_prop = self.energy(prop)
            accept = torch.rand_like(e) < torch.exp(-(e_prop - e))
            y = torch.where(accept[:, None], prop, y)
            e = torch.where(accept, e_prop, e)
        return y, e - e0

    inverse = forward


class Flow(nn.Module):
    def __init__(self, stochastic):
        super().__init__()
        layers = []
        if stochastic:
            layers.append(MetropolisBlock(u_prior))
        for i in range(N_TRANSFORMS):
            layers.append(AffineCoupling(cond=0))
            layers.append(AffineCoupling(cond=1))
            if stochastic and i < N_TRANSFORMS - 1:
                layers.append(MetropolisBlock(u_interpolated(i / (N_TRANSFORMS - 1))))
        if stochastic:
            layers.append(MetropolisBlock(u_target))
        self.layers = nn.ModuleList(layers)

    def forward(self, z):
        dlogp = torch.zeros(z.shape[0], dtype=z.dtype)
        for layer in self.layers:
            z, d = layer(z)
            dlogp = dlogp + d
        return z, dlogp

    def inverse(self, x):
        dlogp = torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in reversed(self.layers):
            x, d = layer.inverse(x)
            dlogp = dlogp + d
        return x, dlogp


def kl_loss(flow, dtype):
    z = torch.randn(BATCH, 2, dtype=dtype)
    x, dlogp = flow(z)
    return (u_target(x) - dlogp).mean()


def ml_loss(flow, data):
    z, dlogp = flow.inverse(data)
    return (u_prior(z) - dlogp).mean()


def make_data(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(BATCH, 2, dtype=torch.float64)
    x[: BATCH // 2, 0] = -1.7
    x[BATCH // 2 :, 0] = 1.75
    e = u_target(x)
    for _ in range(2000):
        prop = x + SIGMA_MC * torch.randn(x.shape, generator=g, dtype=x.dtype)
        e_prop = u_target(prop)
        accept = torch.rand(e.shape, generator=g, dtype=x.dtype) < torch.exp(-(e_prop - e))
        x = torch.where(accept[:, None], prop, x)
        e = torch.where(accept, e_prop, e)
    return x.to(dtype)


def time_cell(variant, step, threads, dtype):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    flow = Flow(stochastic=(variant == "snf")).to(dtype)
    opt = torch.optim.Adam(flow.parameters(), lr=LR)
    data = make_data(dtype)

    if step == "kl":
        loss_fn = lambda: kl_loss(flow, dtype)  # noqa: E731
    elif step == "ml":
        loss_fn = lambda: ml_loss(flow, data)  # noqa: E731
    else:
        loss_fn = lambda: 0.5 * ml_loss(flow, data) + 0.5 * kl_loss(flow, dtype)  # noqa: E731

    def one_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        return loss

    for _ in range(WARMUP):
        one_step()
    rates = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(STEPS):
            loss = one_step()
        dt = time.perf_counter() - t0
        rates.append(STEPS / dt)
    if not torch.isfinite(loss.detach()):
        print(f"  warning: {variant}/{step}/{threads}t/{dtype} final loss {loss.item()}")
    return statistics.median(rates), rates


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="PATH", help="write the numbers as JSON to PATH")
    ap.add_argument("--dtype", choices=["float64", "float32", "both"], default="float64")
    args = ap.parse_args()

    dtypes = {"float64": [torch.float64], "float32": [torch.float32], "both": [torch.float64, torch.float32]}[args.dtype]
    cpu = cpu_model()
    print(f"torch {torch.__version__}, cpu: {cpu}")
    print(f"batch {BATCH}, {WARMUP} warm-up + median of {REPEATS} x {STEPS} steps; steps/s")
    print(f"{'dtype':8} {'variant':7} {'step':6} {'1 thread':>10} {'2 threads':>10}")
    records = []
    for dtype in dtypes:
        dname = str(dtype).replace("torch.", "")
        for variant in ("rnvp", "snf"):
            for step in ("ml", "kl", "mixed"):
                row = []
                for threads in (1, 2):
                    med, rates = time_cell(variant, step, threads, dtype)
                    row.append(med)
                    records.append(
                        {
                            "variant": variant,
                            "step": step,
                            "threads": threads,
                            "dtype": dname,
                            "steps_per_s": med,
                            "torch_version": torch.__version__,
                            "cpu": cpu,
                            "repeats_steps_per_s": rates,
                        }
                    )
                print(f"{dname:8} {variant:7} {step:6} {row[0]:10.1f} {row[1]:10.1f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
