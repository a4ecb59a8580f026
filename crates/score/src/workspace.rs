//! Per-particle memory of the estimators: scratch buffers (not saved), the
//! estimator's own random stream and the state it carries between calls (saved in
//! checkpoints, so a resumed run continues bit for bit).

use sampo_core::rng::StreamRng;
use serde::{Deserialize, Serialize};

/// Scratch memory, random stream and carried state of one particle's estimates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workspace {
    /// The estimator's random stream.
    pub rng: StreamRng,
    /// The MALA step ratio `h / v` carried between calls.
    pub(crate) mala_ratio: Option<f64>,
    /// Calls whose importance weights all vanished (the documented fallback).
    pub fallbacks: u64,
    #[serde(skip)]
    pub(crate) center: Vec<f64>,
    #[serde(skip)]
    pub(crate) eps: Vec<f64>,
    #[serde(skip)]
    pub(crate) xs: Vec<f64>,
    #[serde(skip)]
    pub(crate) logw: Vec<f64>,
    #[serde(skip)]
    pub(crate) sum: Vec<f64>,
    #[serde(skip)]
    pub(crate) eps_bar: Vec<f64>,
    #[serde(skip)]
    pub(crate) grads: Vec<f64>,
    #[serde(skip)]
    pub(crate) shift: Vec<f64>,
    #[serde(skip)]
    pub(crate) starts: Vec<usize>,
}

impl PartialEq for Workspace {
    /// Compares what is saved (the stream and the carried state), not scratch.
    fn eq(&self, o: &Self) -> bool {
        self.rng == o.rng && self.mala_ratio == o.mala_ratio && self.fallbacks == o.fallbacks
    }
}

impl Workspace {
    /// Scratch for dimension d, drawing from `rng`.
    pub fn new(d: usize, rng: StreamRng) -> Self {
        Workspace {
            rng,
            mala_ratio: None,
            fallbacks: 0,
            center: vec![0.0; d],
            eps: Vec::new(),
            xs: Vec::new(),
            logw: Vec::new(),
            sum: vec![0.0; d],
            eps_bar: vec![0.0; d],
            grads: Vec::new(),
            shift: vec![0.0; d],
            starts: Vec::new(),
        }
    }

    /// Makes the per-dimension buffers length d (after a checkpoint load they are
    /// empty); keeps the stream and the carried state.
    pub(crate) fn ensure_dim(&mut self, d: usize) {
        if self.center.len() != d {
            for b in [
                &mut self.center,
                &mut self.sum,
                &mut self.eps_bar,
                &mut self.shift,
            ] {
                b.clear();
                b.resize(d, 0.0);
            }
        }
    }

    /// The last `ε̄ = (m̂ − c)/√v`: the estimated posterior mean in units of the
    /// Gaussian factor, measured from its centre.
    pub fn eps_bar(&self) -> &[f64] {
        &self.eps_bar
    }

    /// The centre c of the last estimate.
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// The MALA step ratio carried to the next call, if any.
    pub fn mala_ratio(&self) -> Option<f64> {
        self.mala_ratio
    }
}
