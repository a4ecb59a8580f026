"""Writes the D-ADMMS paper's linear-regression data set (Tzikas et al. 2024) as CSV.

The reference script (sisl/Distributed_ADMM_Sampler, bayesian_lin_reg.py) seeds numpy's
legacy global generator with 10 and draws, in this order: the true parameter
x ~ N(0, λ I_2) with λ = 10; then for each of the 20 agents its 50 feature vectors
~ N(0, I_2) and its 50 responses y = xᵀφ + N(0, ξ²), ξ = 4. This script makes the
same draws in the same order (numpy's legacy `random.multivariate_normal` and
`random.normal`) and writes one row per point, agents in order (features, then y),
so that agent i's shard in sampo is the paper's agent i's data.

Usage: python benchmarks/scripts/admm_paper_data.py benchmarks/targets/linreg-admm-paper.csv
"""

import sys

import numpy as np
import numpy.random as random


def main(path: str) -> None:
    random.seed(10)
    dim, agents, per_agent, ksi, lamda = 2, 20, 50, 4.0, 10.0
    truth = random.multivariate_normal(np.zeros(dim), lamda * np.eye(dim))
    rows = []
    for _ in range(agents):
        feats = random.multivariate_normal(np.zeros(dim), np.eye(dim), size=(per_agent,))
        y = feats @ truth + random.normal(0, ksi, size=(per_agent,))
        rows.extend(np.column_stack([feats, y]).tolist())
    with open(path, "w") as f:
        f.write("x0,x1,y\n")
        for r in rows:
            f.write(",".join(repr(float(v)) for v in r) + "\n")
    print(f"true parameter {truth.tolist()}; {len(rows)} rows written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
