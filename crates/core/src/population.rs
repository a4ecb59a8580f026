//! Population kernels: samplers whose state is the whole population.
//!
//! Some samplers cannot be written as independent chains: ensemble moves update
//! one half of the walkers against the other; rdMC, walk-jump, Föllmer/OU samplers
//! and stochastic normalizing flows advance every particle one schedule step at a
//! time; SMC reweights and resamples the population; a GPU kernel keeps its state
//! on the device. A [`PopulationKernel`] takes the population one step at a time,
//! and the [`crate::Runner`] drives it with the same warm-up, thinning, observers,
//! checkpoints, resume and Ctrl-C handling as independent chains
//! ([`crate::Runner::population`]).
//!
//! **Randomness.** The state owns its random streams (usually one per particle,
//! `rng::stream(seed, i)`), so a step's result does not depend on how the kernel
//! splits the work over threads, and a checkpoint of the state resumes bit for bit.
//!
//! **Output.** After every kept step the runner copies [`PopulationKernel::positions`]
//! (and [`PopulationKernel::log_weights`], for weighted samplers); the run's samples
//! are particle-major (`chains` = particles). A sampler with a fixed schedule (rdMC's
//! K reverse steps) says so in [`PopulationKernel::schedule_len`] and is run with
//! `warmup + draws` equal to it, keeping the population after the last step.

use crate::{CoreError, Diagnostics, EvalCounts, Particles, StepInfo};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kernel over a whole population of particles (see the module docs).
pub trait PopulationKernel: Sync {
    /// The population: positions, per-particle streams, carried estimator state.
    type State: Clone + Send + Sync + Serialize + DeserializeOwned;
    /// One step's diagnostics (over the whole population) and cost.
    type Info: StepInfo;

    /// The dimension d.
    fn dim(&self) -> usize;

    /// Builds the population from `x0` (one row per particle) and the run's seed;
    /// returns it with the evaluations spent.
    fn init(&self, x0: &Particles, seed: u64) -> Result<(Self::State, EvalCounts), CoreError>;

    /// Advances the population by step `step` (counted from 1, warm-up included).
    fn step(&self, state: &mut Self::State, step: u64) -> Result<Self::Info, CoreError>;

    /// The particles' current positions, n × d row-major.
    fn positions<'s>(&self, state: &'s Self::State) -> &'s [f64];

    /// Log importance weights of the particles (SMC, IS, flows); `None` for
    /// unweighted populations.
    fn log_weights<'s>(&self, _state: &'s Self::State) -> Option<&'s [f64]> {
        None
    }

    /// The number of steps of a fixed schedule (rdMC: warm start + K reverse steps +
    /// the output step); `None` for kernels that can run any number of steps.
    fn schedule_len(&self) -> Option<u64> {
        None
    }

    /// Whether the positions are draws of the target yet: a tempering sampler's are
    /// not before it reaches β = 1. The runner keeps no snapshot and does not end a
    /// cost-limited run while this is false (the overshoot is reported as cost).
    /// Default: always.
    fn ready(&self, _state: &Self::State) -> bool {
        true
    }

    /// Warm-up adaptation after warm-up step `iter`. Default: none.
    fn adapt(&self, _state: &mut Self::State, _info: &Self::Info, _iter: u64) {}

    /// Called once when warm-up ends.
    fn finish_adaptation(&self, _state: &mut Self::State) {}

    /// Per-particle diagnostics at the end of the run (acceptance, step sizes).
    fn diagnostics(&self, _state: &Self::State, _diagnostics: &mut Diagnostics) {}
}
