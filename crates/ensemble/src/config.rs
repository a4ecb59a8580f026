//! Configurations of the diffusion samplers `follmer` and `ou-ensemble` (serde,
//! every field defaulted, unknown fields rejected), validated with errors that name
//! the field as written.

use sampo_core::{CoreError, validate};
use sampo_rdmc::{Integrator as OuIntegrator, Schedule};
use sampo_score::{DEFENSIVE_FRACTION, DEFENSIVE_SCALE, check_defensive};
use serde::{Deserialize, Serialize};

/// How the proposal noise `ε ~ N(0, I)` of one particle's estimate is drawn.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// Independent draws (the Stein-form estimator as published, BlackJAX's).
    Iid,
    /// A randomly shifted rank-1 lattice through the normal quantile
    /// (`sampo_core::qmc`): every draw exactly N(0, I), the draws spread evenly, so
    /// the share that lands on each mode is close to its expectation. Default.
    #[default]
    Lattice,
}

/// Where a particle's importance draws come from (the ensemble variants, ours:
/// docs/ensemble.md).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Every particle draws its own noise and uses only its own draws (the
    /// published estimator).
    Independent,
    /// Common random numbers: one set of noise vectors per step, shared by every
    /// particle (each still evaluates the target at its own points).
    Common,
    /// The ensemble as a mixture proposal: within a block of `block` particles,
    /// every particle uses the draws of all of them, weighted by the balance
    /// heuristic against the block's mixture of proposals. Default: at equal
    /// density evaluations it reaches the mode-weight accuracy the independent
    /// estimator needs 4× the draws for (docs/ensemble.md, "Defaults").
    #[default]
    Mixture,
}

/// The shape of the Gaussian proposal.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preconditioning {
    /// Isotropic, `N(μ, σ² I)` (published). Default.
    #[default]
    None,
    /// `N(μ, σ² C)` with C the ensemble's covariance (ours; docs/ensemble.md).
    Ensemble,
}

/// What a particle returns at the end of the schedule.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// The integrator's last state (Föllmer, exponential integrator: the posterior
    /// mean `E[X_1 | X_{1−Δ}]`, under-dispersed; OU: the state at δ, blurred).
    Final,
    /// A draw of the last step's importance posterior, resampled by weight: exact
    /// given the state before it (Föllmer: `X_1 | X_{1−Δ}`; OU: `X_0 | X_δ`). Default.
    #[default]
    Posterior,
}

/// The Föllmer process's integrator over one step `t → t'` with the drift frozen.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum FollmerIntegrator {
    /// `X' = X + Δ b + s √Δ ξ` (BlackJAX, Huang et al. 2021).
    EulerMaruyama,
    /// The exact solution of `dX = (m − X)/(1 − t) dt + s dW` with the posterior
    /// mean m frozen, a Brownian bridge to m: the same mean step as
    /// Euler–Maruyama, noise `s √(Δ (1 − t')/(1 − t))` (docs/ensemble.md). Default.
    #[default]
    Exponential,
}

/// How the reference `N(c, s² I)` is found when `reference_scale` is not given: a
/// pilot importance sampler (docs/ensemble.md, "Reference scale").
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PilotConfig {
    /// Draws per pilot round (density evaluations, shared by the ensemble).
    /// Default 16384 (16 rounds: 2.6 · 10⁵ evaluations, 0.5 % of a 2000-sample run
    /// at 25 600 per sample).
    pub samples: usize,
    /// Pilot rounds: scales `s_0 · 2^{j/2}`, j = 0 … rounds − 1, from the spread
    /// `s_0` of the initial positions (at least 1). Default 16 (up to a factor
    /// 2^{7.5} ≈ 180 above s_0).
    pub rounds: usize,
}

impl Default for PilotConfig {
    fn default() -> Self {
        PilotConfig {
            samples: 16384,
            rounds: 16,
        }
    }
}

/// The importance estimator of every step's posterior mean, shared by both
/// processes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EstimatorConfig {
    /// Draws per particle and step, N ≥ 1 (each one density evaluation);
    /// default: as many as the job's budget pays for (harness), or
    /// [`DEFAULT_INNER_SAMPLES`] (Rust entry points without a budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_samples: Option<usize>,
    /// How the draws are made. Default lattice.
    pub noise: Noise,
    /// Independent, common random numbers, or the ensemble mixture (default).
    pub pooling: Pooling,
    /// Particles per mixture block (pooling = "mixture"); cost per step grows as
    /// block² · N · d. Default 32.
    pub block: usize,
    /// Proposal shape. Default isotropic.
    pub preconditioning: Preconditioning,
    /// Fraction f ∈ [0, 1) of the draws from the defensive component, κ times
    /// wider (`estimator::Defensive`). Default 0.125.
    pub defensive_fraction: f64,
    /// Its width κ ≥ 1 relative to the proposal (1 turns it off). Default 3.
    pub defensive_scale: f64,
}

impl Default for EstimatorConfig {
    fn default() -> Self {
        EstimatorConfig::with_samples(None)
    }
}

impl EstimatorConfig {
    fn with_samples(inner_samples: Option<usize>) -> Self {
        EstimatorConfig {
            inner_samples,
            noise: Noise::Lattice,
            pooling: Pooling::Mixture,
            block: 32,
            preconditioning: Preconditioning::None,
            defensive_fraction: DEFENSIVE_FRACTION,
            defensive_scale: DEFENSIVE_SCALE,
        }
    }

    /// Checks every field (names as written).
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Some(n) = self.inner_samples {
            validate::at_least("inner_samples", n, 1)?;
        }
        validate::at_least("block", self.block, 1)?;
        check_defensive("", self.defensive_fraction, self.defensive_scale)?;
        if self.pooling == Pooling::Mixture && self.preconditioning == Preconditioning::Ensemble {
            return Err(CoreError::invalid(
                "preconditioning",
                "ensemble",
                "is not implemented with pooling = \"mixture\" (the mixture's components would \
                 need the shape too); use pooling = \"independent\" or \"common\"",
            ));
        }
        Ok(())
    }
}

/// The gradient-free Schrödinger–Föllmer sampler (docs/ensemble.md).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FollmerConfig {
    /// The reference scale s > 0 of `dX = b dt + s dW`; default: the pilot rule.
    pub reference_scale: Option<f64>,
    /// The reference centre c (`X_0 = c`); default: the pilot's mean when the
    /// scale comes from the pilot, else the origin.
    pub center: Option<Vec<f64>>,
    /// Steps K ≥ 2 on `t_k = k/K`. Default 100 (SFS_py's K).
    pub steps: usize,
    /// Euler–Maruyama or the exponential (bridge) integrator. Default exponential.
    pub integrator: FollmerIntegrator,
    /// The last state or a posterior draw. Default posterior.
    pub output: Output,
    /// The pilot (used when `reference_scale` is not given).
    pub pilot: PilotConfig,
    /// The importance estimator.
    #[serde(flatten)]
    pub estimator: EstimatorConfig,
}

impl Default for FollmerConfig {
    fn default() -> Self {
        FollmerConfig {
            reference_scale: None,
            center: None,
            steps: 100,
            integrator: FollmerIntegrator::Exponential,
            output: Output::Posterior,
            pilot: PilotConfig::default(),
            estimator: EstimatorConfig::with_samples(None),
        }
    }
}

/// Draws per particle and step when neither the config nor a budget sets them
/// (docs/ensemble.md, "Defaults").
pub const DEFAULT_INNER_SAMPLES: usize = 256;

/// The gradient-free OU reverse diffusion (docs/ensemble.md): rdMC's outer loop
/// with importance-sampled scores, in the coordinates of the reference.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OuEnsembleConfig {
    /// The reference scale s (the OU process runs on `(x − c)/s`); default: the
    /// pilot rule.
    pub reference_scale: Option<f64>,
    /// The reference centre c; default as for `follmer`.
    pub center: Option<Vec<f64>>,
    /// The forward-time grid (rdMC's). Default T = 5, K = 40 geometric, δ = 0.05.
    pub schedule: Schedule,
    /// Exponential (default) or Euler–Maruyama.
    pub integrator: OuIntegrator,
    /// The state at δ or a posterior draw (one more estimate). Default posterior.
    pub output: Output,
    /// The pilot (used when `reference_scale` is not given).
    pub pilot: PilotConfig,
    /// The importance estimator.
    #[serde(flatten)]
    pub estimator: EstimatorConfig,
}

impl Default for OuEnsembleConfig {
    fn default() -> Self {
        OuEnsembleConfig {
            reference_scale: None,
            center: None,
            schedule: Schedule::default(),
            integrator: OuIntegrator::Exponential,
            output: Output::Posterior,
            pilot: PilotConfig::default(),
            estimator: EstimatorConfig::with_samples(None),
        }
    }
}

fn check_reference(scale: Option<f64>, center: Option<&[f64]>) -> Result<(), CoreError> {
    if let Some(s) = scale {
        validate::positive("reference_scale", s)?;
    }
    if let Some(c) = center {
        validate::all_finite("center", c)?;
    }
    Ok(())
}

fn check_schedule(s: &Schedule) -> Result<(), CoreError> {
    validate::positive("schedule.early_stop", s.early_stop)?;
    validate::positive("schedule.horizon", s.horizon)?;
    if s.horizon <= s.early_stop {
        return Err(CoreError::invalid(
            "schedule.horizon",
            s.horizon,
            format!(
                "must exceed schedule.early_stop = {} (the reverse process runs from T down to δ)",
                s.early_stop
            ),
        ));
    }
    validate::at_least("schedule.steps", s.steps, 1)?;
    if let Some(sw) = s.linear_above {
        validate::positive("schedule.linear_above", sw)?;
    }
    Ok(())
}

fn check_pilot(p: &PilotConfig) -> Result<(), CoreError> {
    validate::at_least("pilot.samples", p.samples, 2)?;
    validate::at_least("pilot.rounds", p.rounds, 1)?;
    Ok(())
}

impl FollmerConfig {
    /// Checks every field that does not depend on the target.
    pub fn validate(&self) -> Result<(), CoreError> {
        check_reference(self.reference_scale, self.center.as_deref())?;
        validate::at_least("steps", self.steps, 2)?;
        check_pilot(&self.pilot)?;
        self.estimator.validate()
    }
}

impl OuEnsembleConfig {
    /// Checks every field that does not depend on the target.
    pub fn validate(&self) -> Result<(), CoreError> {
        check_reference(self.reference_scale, self.center.as_deref())?;
        check_schedule(&self.schedule)?;
        check_pilot(&self.pilot)?;
        self.estimator.validate()
    }
}
