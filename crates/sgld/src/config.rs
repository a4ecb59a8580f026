//! The `sgld` configuration (a TOML table, `deny_unknown_fields`).
//!
//! ```toml
//! [sampler]
//! kind = "sgld"
//! step_size = 1e-4                                     # h₀: drift h ĝ, noise variance 2h
//! batch_size = 32                                      # n ≤ N; n = N is the exact gradient
//! schedule = { kind = "polynomial", b = 1000.0, gamma = 0.55 }
//! preconditioner = { kind = "rmsprop" }                # pSGLD
//! control_variate = "map"                              # SGLD-CV
//! ```
//!
//! **Step convention** (as every Langevin kernel here, BlackJAX and SLIPS):
//! `x' = x + h ĝ(x) + √(2h) ξ`. Welling & Teh write `x' = x + (ε/2) ĝ + N(0, ε)`: their
//! ε is our 2h.

use crate::precondition::Preconditioner;
use crate::schedule::Schedule;
use crate::surrogate::Surrogate;
use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

fn default_step() -> f64 {
    // Welling & Teh's mixture example decays ε from 0.01 towards 1e−4, i.e. h from
    // 5e−3 to 5e−5; 1e−4 is stable on posteriors whose curvature is below 2e4 (a
    // few thousand data points of unit information). Larger data need smaller steps.
    1e-4
}
fn default_batch() -> usize {
    // The batch of the issue's benchmark and a common default (BlackJAX examples).
    32
}

/// The gradient estimator's control variate (Baker, Fearnhead, Fox & Nemeth 2019,
/// "Control variates for stochastic gradient MCMC", eq. 6; BlackJAX's
/// `sgmcmc.gradients.control_variates`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ControlVariate {
    /// The plain minibatch estimator.
    #[default]
    None,
    /// SGLD-CV: centred at the posterior mode θ̂ (damped Newton, once per run; needs
    /// the target's Hessian), `ĝ(x) = ∇log π(θ̂) + ĝ_B(x) − ĝ_B(θ̂)` on one batch B:
    /// twice the data terms per step, and a variance ∝ ‖x − θ̂‖² instead of O(1).
    Map,
}

/// Stochastic-gradient Langevin dynamics (Welling & Teh 2011).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SgldConfig {
    /// The first step h₀ > 0 (the step of a constant schedule).
    #[serde(default = "default_step")]
    pub step_size: f64,
    /// Data terms per minibatch n, 1 ≤ n ≤ N; n = N uses every term once (the exact
    /// gradient: SGLD is then ULA).
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// The step schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// The preconditioner.
    #[serde(default)]
    pub preconditioner: Preconditioner,
    /// `"none"` or `"map"` (SGLD-CV).
    #[serde(default)]
    pub control_variate: ControlVariate,
}

impl Default for SgldConfig {
    fn default() -> Self {
        SgldConfig {
            step_size: default_step(),
            batch_size: default_batch(),
            schedule: Schedule::default(),
            preconditioner: Preconditioner::default(),
            control_variate: ControlVariate::default(),
        }
    }
}

impl SgldConfig {
    /// A constant-step, unpreconditioned config.
    pub fn new(step_size: f64, batch_size: usize) -> Self {
        SgldConfig {
            step_size,
            batch_size,
            ..SgldConfig::default()
        }
    }

    /// Checks every field that does not depend on the target (the batch against N is
    /// checked when the kernel is built).
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::positive("step_size", self.step_size)?;
        validate::at_least("batch_size", self.batch_size, 1)?;
        self.schedule.validate()?;
        self.preconditioner.validate()
    }
}

fn default_shards() -> usize {
    // The non-IID two-shard experiment of samplers-b §4.3.
    2
}
fn default_dsgld_batch() -> usize {
    // Shards are smaller than the data: 10 fits shards of 10 points and up (the
    // two-shard experiment of samplers-b §4.3 uses 50 of 500).
    10
}
fn default_local_steps() -> u64 {
    // Plassier's FSGLD re-implementation: 20 local steps per visit; 10 keeps the
    // delayed-communication bias visible but moderate.
    10
}

/// How a DSGLD chain picks the next shard at the end of a visit.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Visits {
    /// Shards 0, 1, …, S − 1, 0, … (the DSVGD reference code).
    #[default]
    RoundRobin,
    /// s ~ Uniform{0, …, S − 1} at every visit (Ahn et al. 2014 with f_s = 1/S).
    Categorical,
}

/// Distributed SGLD (Ahn, Shahbaba & Welling 2014): the data split into `shards`
/// contiguous shards (file order: a sorted file gives non-IID shards); a chain runs
/// `local_steps` SGLD steps on one shard with the shard-local estimator, then moves.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DsgldConfig {
    /// The first step h₀ > 0.
    #[serde(default = "default_step")]
    pub step_size: f64,
    /// Data terms per minibatch n, drawn from the current shard (n ≤ its size).
    #[serde(default = "default_dsgld_batch")]
    pub batch_size: usize,
    /// The step schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Shards S ≥ 1 (S = 1 is SGLD).
    #[serde(default = "default_shards")]
    pub shards: usize,
    /// Steps per visit τ ≥ 1 (the trajectory length).
    #[serde(default = "default_local_steps")]
    pub local_steps: u64,
    /// `"round-robin"` or `"categorical"`.
    #[serde(default)]
    pub visits: Visits,
}

impl Default for DsgldConfig {
    fn default() -> Self {
        DsgldConfig {
            step_size: default_step(),
            batch_size: default_dsgld_batch(),
            schedule: Schedule::default(),
            shards: default_shards(),
            local_steps: default_local_steps(),
            visits: Visits::default(),
        }
    }
}

impl DsgldConfig {
    /// Checks every field that does not depend on the target.
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::positive("step_size", self.step_size)?;
        validate::at_least("batch_size", self.batch_size, 1)?;
        validate::at_least("shards", self.shards, 1)?;
        if self.local_steps == 0 {
            return Err(CoreError::invalid("local_steps", 0, "must be >= 1"));
        }
        self.schedule.validate()
    }

    /// The SGLD configuration of one local step.
    pub fn sgld(&self) -> SgldConfig {
        SgldConfig {
            step_size: self.step_size,
            batch_size: self.batch_size,
            schedule: self.schedule,
            preconditioner: Preconditioner::Identity,
            control_variate: ControlVariate::None,
        }
    }
}

/// Federated SGLD (El Mekkaoui et al. 2021): DSGLD whose local steps add the
/// conducive gradient of per-shard Gaussian surrogates fitted once per run
/// ([`crate::surrogate`]), so that long visits no longer drift towards one shard.
/// The fit's data terms come out of the run's budget.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FsgldConfig {
    /// The first step h₀ > 0.
    #[serde(default = "default_step")]
    pub step_size: f64,
    /// Data terms per minibatch n, drawn from the current shard (n ≤ its size).
    #[serde(default = "default_dsgld_batch")]
    pub batch_size: usize,
    /// The step schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Shards S ≥ 1.
    #[serde(default = "default_shards")]
    pub shards: usize,
    /// Steps per visit τ ≥ 1.
    #[serde(default = "default_local_steps")]
    pub local_steps: u64,
    /// `"round-robin"` or `"categorical"`.
    #[serde(default)]
    pub visits: Visits,
    /// How each shard's surrogate is fitted.
    #[serde(default)]
    pub surrogate: Surrogate,
}

impl Default for FsgldConfig {
    fn default() -> Self {
        FsgldConfig::with_surrogate(DsgldConfig::default(), Surrogate::default())
    }
}

impl FsgldConfig {
    /// DSGLD's chains (`d`'s step, batch, schedule, shards and visits) with the
    /// conducive term of `surrogate`.
    pub fn with_surrogate(d: DsgldConfig, surrogate: Surrogate) -> Self {
        FsgldConfig {
            step_size: d.step_size,
            batch_size: d.batch_size,
            schedule: d.schedule,
            shards: d.shards,
            local_steps: d.local_steps,
            visits: d.visits,
            surrogate,
        }
    }

    /// Checks every field that does not depend on the target.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.dsgld().validate()?;
        self.surrogate.validate()
    }

    /// The DSGLD configuration the conducive term is added to.
    pub fn dsgld(&self) -> DsgldConfig {
        DsgldConfig {
            step_size: self.step_size,
            batch_size: self.batch_size,
            schedule: self.schedule,
            shards: self.shards,
            local_steps: self.local_steps,
            visits: self.visits,
        }
    }
}
