//! The record every sampler returns.

use crate::{EvalCounts, Particles};
use serde::{Deserialize, Serialize};

/// Output of one sampler run: samples, cost and diagnostics.
///
/// Samples from several chains are stored chain-major: chain `c`'s draws are rows
/// `c·m .. (c+1)·m` with `m = draws_per_chain`. Population samplers use
/// `chains = n`, `draws_per_chain = 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// All kept draws, chain-major.
    pub samples: Particles,
    /// Number of chains (or particles).
    pub chains: usize,
    /// Kept draws per chain.
    pub draws_per_chain: usize,
    /// Target evaluations spent, warm-up included.
    pub evaluations: EvalCounts,
    /// Wall-clock seconds spent sampling (summed over resumed segments).
    pub wall_time_secs: f64,
    /// Per-step and per-chain diagnostics.
    pub diagnostics: Diagnostics,
}

/// Diagnostics collected by the runner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Mean acceptance probability over chains at every step (warm-up included);
    /// empty for kernels without an accept/reject step.
    pub acceptance_per_step: Vec<f64>,
    /// Per chain: mean acceptance probability over the sampling (post warm-up) steps.
    pub chain_acceptance: Vec<f64>,
    /// Per chain: the step size used after warm-up, for kernels that have one.
    pub step_sizes: Vec<f64>,
    /// Final position of every chain, so a run can be continued.
    pub final_positions: Option<Particles>,
}

impl Run {
    /// The draws of chain `c` as a `draws_per_chain × d` row-major slice.
    pub fn chain(&self, c: usize) -> &[f64] {
        let d = self.samples.dim();
        let m = self.draws_per_chain;
        &self.samples.as_slice()[c * m * d..(c + 1) * m * d]
    }

    /// Coordinate `j` of chain `c`, in draw order.
    pub fn chain_column(&self, c: usize, j: usize) -> Vec<f64> {
        let d = self.samples.dim();
        self.chain(c).chunks_exact(d).map(|x| x[j]).collect()
    }
}
