//! Markov kernels in BlackJAX's shape: `init(x0) -> State`, `step(state, rng) -> Info`.
//!
//! `State` holds only what the next step needs (position, cached log density and
//! gradient); `Info` holds that step's diagnostics; `Tuning` holds the parameters
//! that warm-up may adapt (a step size and its dual-averaging state) as plain,
//! serializable data. The [`crate::Runner`] owns the loop and gives each chain its
//! own state, tuning and RNG stream.

use crate::rng::StreamRng;
use crate::{CoreError, Divergence};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Per-step diagnostics.
pub trait StepInfo: Send {
    /// Metropolis–Hastings acceptance probability of this step, for adjusted kernels.
    fn acceptance(&self) -> Option<f64> {
        None
    }
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

    /// Builds the state at `x0`; fails on a wrong dimension or a non-finite log
    /// density (reported as particle 0; the runner renames it to the chain index).
    fn init(&self, x0: &[f64]) -> Result<Self::State, CoreError>;

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
}
