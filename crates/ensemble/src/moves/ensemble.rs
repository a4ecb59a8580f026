//! The Rust entry point: a validated move configuration that builds the red–blue
//! kernel for a target and runs W walkers for S steps ([`Ensemble::sample`]).
//!
//! ```
//! use sampo_core::{Particles, Target};
//! use sampo_ensemble::moves::{Ensemble, StretchConfig};
//!
//! struct Normal2;
//! impl Target for Normal2 {
//!     fn dim(&self) -> usize { 2 }
//!     fn log_density(&self, x: &[f64]) -> f64 { -0.5 * (x[0] * x[0] + x[1] * x[1]) }
//! }
//!
//! // 8 walkers spread around the origin, 100 steps, every 10th ensemble kept.
//! let x0 = Particles::from_vec(8, 2, (0..16).map(|i| (i as f64 * 0.37).sin()).collect()).unwrap();
//! let run = Ensemble::new(StretchConfig::default()).unwrap()
//!     .sample(&Normal2, &x0, 100, 10, 42).unwrap();
//! assert_eq!((run.chains, run.draws_per_chain), (8, 10));
//! assert_eq!(run.evaluations.density, 8 * 101);
//! ```

use super::config::resolve_walkers;
use super::kernel::{EnsembleKernel, Move};
use sampo_core::{
    CoreError, CountedRef, Counter, Outcome, Particles, Run, RunConfig, Runner, Target,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A move's configuration: its kind, validation, walkers and the move it builds.
pub trait MoveConfig:
    Clone + Default + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The move built from it.
    type Move: Move;
    /// The harness kind (`stretch`, `walk-move`, `de-move`).
    const KIND: &'static str;

    /// Checks every field (errors name it, prefixed with the kind).
    fn validate(&self) -> Result<(), CoreError>;

    /// The configured walker count, if any.
    fn walkers(&self) -> Option<usize>;

    /// The move in dimension `d` with W = `walkers` (for W-dependent checks: the
    /// walk move's subset).
    fn build(&self, d: usize, walkers: usize) -> Result<Self::Move, CoreError>;
}

/// A validated move configuration (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble<C> {
    config: C,
}

impl<C: MoveConfig> Ensemble<C> {
    /// Validates `config` (errors name the field).
    pub fn new(config: C) -> Result<Self, CoreError> {
        config.validate()?;
        Ok(Ensemble { config })
    }

    /// The configuration.
    pub fn config(&self) -> &C {
        &self.config
    }

    /// W for a job of `n` samples in dimension `d` with optional `chains`: the
    /// config's `walkers`, else `chains`, else the default rule
    /// ([`super::config::default_walkers`]); checked even, ≥ 4, > d and ≤ n.
    pub fn walkers_for(
        &self,
        n: usize,
        chains: Option<usize>,
        d: usize,
    ) -> Result<usize, CoreError> {
        let field = format!("{}.walkers", C::KIND);
        resolve_walkers(&field, self.config.walkers(), chains, n, d)
    }

    /// The red–blue kernel on `target` with `walkers` walkers.
    pub fn kernel<'t, T: Target + ?Sized>(
        &self,
        target: &'t T,
        walkers: usize,
    ) -> Result<EnsembleKernel<'t, C::Move, T>, CoreError> {
        let d = target.dim();
        if let Some(w) = self.config.walkers()
            && w != walkers
        {
            return Err(CoreError::invalid(
                format!("{}.walkers", C::KIND),
                w,
                format!("the run has {walkers} walkers"),
            ));
        }
        let mv = self.config.build(d, walkers)?;
        EnsembleKernel::new(mv, target, walkers)
    }

    /// Runs W = `x0.len()` walkers from the rows of `x0` for `steps` steps on
    /// `target`, keeping the ensemble after every `thin`-th step (`steps / thin`
    /// ensembles, the last after step `steps`; no warm-up is dropped). The run is
    /// walker-major (`chains` = W) and counts its evaluations: W at the start and
    /// one per walker and step.
    pub fn sample<T: Target + ?Sized>(
        &self,
        target: &T,
        x0: &Particles,
        steps: u64,
        thin: u64,
        seed: u64,
    ) -> Result<Run, CoreError> {
        let mut rc = RunConfig::new(x0.len(), 0, steps, seed);
        rc.thin = thin;
        // One segment: no observer needs the calls in between.
        rc.segment = steps.max(1);
        self.sample_with(target, x0, rc)
    }

    /// [`Ensemble::sample`] under a full run configuration (warm-up, thinning;
    /// `rc.chains` must equal `x0.len()`).
    pub fn sample_with<T: Target + ?Sized>(
        &self,
        target: &T,
        x0: &Particles,
        rc: RunConfig,
    ) -> Result<Run, CoreError> {
        if rc.chains != x0.len() {
            return Err(CoreError::dim(
                "initial positions (walkers)",
                rc.chains,
                x0.len(),
            ));
        }
        let counter = Counter::new();
        let counted = CountedRef::new(target, &counter);
        let kernel = self.kernel(&counted, x0.len())?;
        let runner = Runner::population(&kernel, rc)?.count_with(&counter);
        match runner.run(x0)? {
            Outcome::Finished(run) => Ok(run),
            Outcome::Stopped { .. } => Err(CoreError::Unsupported {
                reason: "an ensemble run without observers was stopped".into(),
            }),
        }
    }
}
