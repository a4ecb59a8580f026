//! Markov kernels in BlackJAX's shape: `init(x0, rng) -> State`, `step(state, rng) -> Info`.
//!
//! `State` holds only what the next step needs (position, cached log density and
//! gradient); `Info` holds that step's diagnostics and its cost; `Tuning` holds the
//! parameters that warm-up may adapt (a step size and its dual-averaging state) as
//! plain, serializable data. The [`crate::Runner`] owns the loop and gives each chain
//! its own state, tuning and RNG stream.
//!
//! **Cost.** Every step reports the evaluations it spent
//! ([`StepInfo::evaluations`]) and `init` returns what it spent, so a run can be
//! limited by cost rather than by step count (slice samplers spend a variable
//! number of evaluations per step), and so that the conformance suite can check
//! that what a kernel reports equals what a [`crate::Counted`] target measured.

use crate::rng::StreamRng;
use crate::{CoreError, Divergence, EvalCounts};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Per-step diagnostics of a kernel (one chain) or of a population step.
pub trait StepInfo: Send {
    /// Target evaluations this step spent (for a population step: over all particles).
    fn evaluations(&self) -> EvalCounts;

    /// Metropolis–Hastings acceptance probability of this step, for adjusted kernels
    /// (a population step reports its mean over particles).
    fn acceptance(&self) -> Option<f64> {
        None
    }

    /// Further statistics as key-value pairs (argmin's KV): `visit(key, value)` for
    /// each. The runner averages them per key over steps (and chains) and passes
    /// them to observers and into the run's diagnostics. Default: none.
    fn stats(&self, _visit: &mut dyn FnMut(&'static str, f64)) {}
}

/// One chain's transition kernel.
pub trait Kernel: Sync {
    /// What the next step needs.
    type State: Clone + Send + Sync + Serialize + DeserializeOwned;
    /// One step's diagnostics.
    type Info: StepInfo;
    /// Adaptable parameters, as plain data (`()` for kernels that adapt nothing).
    type Tuning: Clone + Send + Sync + Serialize + DeserializeOwned;

    /// The dimension of the state space.
    fn dim(&self) -> usize;

    /// Builds the state at `x0` and returns it with the evaluations spent. `rng` is
    /// the chain's stream (e.g. for an initial velocity). Fails on a wrong dimension
    /// or a non-finite log density (reported as particle 0; the runner renames it
    /// to the chain index).
    fn init(&self, x0: &[f64], rng: &mut StreamRng)
    -> Result<(Self::State, EvalCounts), CoreError>;

    /// The tuning a chain starts from.
    fn initial_tuning(&self) -> Self::Tuning;

    /// Advances `state` by one transition. Unadjusted kernels return a
    /// [`Divergence`] when the new state is non-finite; adjusted ones reject instead.
    fn step(
        &self,
        tuning: &Self::Tuning,
        state: &mut Self::State,
        rng: &mut StreamRng,
    ) -> Result<Self::Info, Divergence>;

    /// The position held in `state`.
    fn position<'a>(&self, state: &'a Self::State) -> &'a [f64];

    /// Warm-up adaptation after warm-up step `iter` (counted from 1). Default: none.
    fn adapt(&self, _tuning: &mut Self::Tuning, _info: &Self::Info, _iter: u64) {}

    /// Called once when warm-up ends (e.g. freeze the averaged step size).
    fn finish_adaptation(&self, _tuning: &mut Self::Tuning) {}

    /// The step size currently in `tuning`, for diagnostics.
    fn step_size(&self, _tuning: &Self::Tuning) -> Option<f64> {
        None
    }

    /// Evaluations every step spends, when that is fixed (one gradient per step for
    /// the Langevin kernels); `None` when it varies (slice samplers). A budget is
    /// then planned in steps; otherwise the run is limited by cost
    /// ([`crate::RunConfig::cost_unit`]).
    fn step_cost(&self) -> Option<EvalCounts> {
        None
    }

    /// Evaluations `init` spends per chain, when fixed (see [`Kernel::step_cost`]).
    fn init_cost(&self) -> Option<EvalCounts> {
        None
    }
}

/// The mean of the acceptance probabilities reported by the steps (or particles)
/// that had one: unadjusted steps report `None` and are left out of the mean.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeanAcceptance {
    sum: f64,
    count: usize,
}

impl MeanAcceptance {
    /// Adds one report (`None`: no Metropolis step, ignored).
    pub fn add(&mut self, acceptance: Option<f64>) {
        if let Some(a) = acceptance {
            self.sum += a;
            self.count += 1;
        }
    }

    /// The mean, or `None` if nothing reported one.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::MeanAcceptance;

    #[test]
    fn mean_acceptance_skips_unadjusted_reports() {
        let mut m = MeanAcceptance::default();
        assert_eq!(m.mean(), None);
        m.add(None);
        assert_eq!(m.mean(), None);
        m.add(Some(0.5));
        m.add(None);
        m.add(Some(1.0));
        assert_eq!(m.mean(), Some(0.75));
    }
}
