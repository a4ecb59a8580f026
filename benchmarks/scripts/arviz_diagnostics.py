#!/usr/bin/env python3
"""Print ArviZ's convergence diagnostics of chain-major samples as JSON, the
reference for sampo-metrics' `EssConvention::Arviz` (crates/metrics/src/diagnostics.rs).

    SAMPO_ARVIZ_CSV_DIR=target/arviz cargo test -p sampo-metrics --test arviz_golden
    python3 benchmarks/scripts/arviz_diagnostics.py target/arviz/ar1.csv --chains 4

The CSV has a header x0,...,x{d-1} and one row per draw, chain-major: chain c's
draws are rows c*m .. (c+1)*m - 1 (m = rows / chains), the layout of a sampo run.
For every coordinate it prints ArviZ's

    rhat       az.rhat(method="rank")   (NaN -> null for a single chain)
    ess_bulk   az.ess(method="bulk")
    ess_tail   az.ess(method="tail")
    ess_mean   az.ess(method="mean")
    mcse_mean  az.mcse(method="mean")
    mean, sd   numpy mean and std(ddof=1) of all draws

with repr precision (17 significant digits), plus the ArviZ/NumPy/SciPy versions
and whether numba was active (it changes the variance formula at rounding level).
The golden values in crates/metrics/tests/arviz_golden.rs came from this script.

Requires `pip install arviz` (0.23.4 was used).
"""
import argparse
import json
import math
import sys

import numpy as np


def finite_or_none(v):
    v = float(v)
    return v if math.isfinite(v) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="chain-major samples with header x0..x{d-1}")
    ap.add_argument("--chains", type=int, required=True, help="number of chains")
    args = ap.parse_args()

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
        import scipy
    from arviz.utils import Numba

    with open(args.csv) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(args.csv, delimiter=",", skiprows=1, ndmin=2)
    n, d = data.shape
    if d != len(header):
        sys.exit(f"{args.csv}: header has {len(header)} names, rows have {d} values")
    if args.chains < 1 or n % args.chains != 0:
        sys.exit(f"{args.csv}: {n} rows do not split into {args.chains} chains")
    m = n // args.chains
    # (chain, draw, coordinate): chain c is rows c*m .. (c+1)*m - 1.
    draws = data.reshape(args.chains, m, d)

    coords = []
    for j, name in enumerate(header):
        x = np.ascontiguousarray(draws[:, :, j])
        coords.append(
            {
                "name": name,
                "mean": finite_or_none(np.mean(x)),
                "sd": finite_or_none(np.std(x, ddof=1)),
                "rhat": finite_or_none(az.rhat(x, method="rank")),
                "ess_bulk": finite_or_none(az.ess(x, method="bulk")),
                "ess_tail": finite_or_none(az.ess(x, method="tail")),
                "ess_mean": finite_or_none(az.ess(x, method="mean")),
                "mcse_mean": finite_or_none(az.mcse(x, method="mean")),
            }
        )
    out = {
        "csv": args.csv,
        "chains": args.chains,
        "draws": m,
        "arviz": az.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": bool(Numba.numba_flag),
        "coordinates": coords,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
