//! The record every sampler returns.

use crate::{EvalCounts, Particles};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Output of one sampler run: samples, optional weights, cost and diagnostics.
///
/// Samples from several chains are stored chain-major: chain `c`'s draws are rows
/// `c·m .. (c+1)·m` with `m = draws_per_chain`. Population samplers use
/// `chains = n` (particles) and `draws_per_chain` = the kept snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// All kept draws, chain-major.
    pub samples: Particles,
    /// Log importance weights, one per sample row, for weighted samplers (SMC, IS,
    /// normalizing flows); `None` means equal weights. Every metric and writer of
    /// the harness honours them.
    pub log_weights: Option<Vec<f64>>,
    /// Number of chains (or particles).
    pub chains: usize,
    /// Kept draws per chain.
    pub draws_per_chain: usize,
    /// Target evaluations spent, warm-up included: measured by the run's counter
    /// when it has one, otherwise [`Run::reported_evaluations`].
    pub evaluations: EvalCounts,
    /// The evaluations the kernel reported for its initialization and steps. With a
    /// counted target this equals [`Run::evaluations`] (the conformance suite checks it).
    pub reported_evaluations: EvalCounts,
    /// Wall-clock seconds spent sampling (summed over resumed segments).
    pub wall_time_secs: f64,
    /// Per-step and per-chain diagnostics.
    pub diagnostics: Diagnostics,
}

/// Diagnostics collected by the runner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Mean acceptance probability over chains at every step (warm-up included);
    /// empty for kernels without an accept/reject step. Chains that have finished
    /// (cost-limited runs) or particles that ran no Metropolis step at that step do
    /// not enter the mean; `None` where nothing reported one (rdMC's steps where
    /// only importance sampling ran).
    pub acceptance_per_step: Vec<Option<f64>>,
    /// Per chain: mean acceptance probability over the sampling (post warm-up) steps.
    pub chain_acceptance: Vec<f64>,
    /// Per chain: the step size used after warm-up, for kernels that have one.
    pub step_sizes: Vec<f64>,
    /// Final position of every chain, so a run can be continued.
    pub final_positions: Option<Particles>,
    /// Steps taken per chain (they differ between chains of a cost-limited run).
    pub steps_per_chain: Vec<u64>,
    /// Mean of every key-value statistic the kernel reported
    /// ([`crate::StepInfo::stats`]) over the sampling steps of all chains.
    pub stats: BTreeMap<String, f64>,
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

    /// Keeps the first `n` sample rows (and their weights).
    pub fn truncate(&mut self, n: usize) {
        if self.samples.len() > n {
            let d = self.samples.dim();
            let mut v = std::mem::replace(&mut self.samples, Particles::zeros(0, d)).into_vec();
            v.truncate(n * d);
            self.samples = Particles::from_vec(n, d, v).expect("n·d values");
            if let Some(w) = &mut self.log_weights {
                w.truncate(n);
            }
        }
    }
}
