//! The serde configuration of rdMC, validated once by [`RdmcConfig::validate`] (the
//! sampler's constructor calls it).
//!
//! Every field has a default (`#[serde(default)]`), so a TOML table may set only some
//! of them; unknown fields are errors. The harness adds the `kind = "rdmc"` tag in its
//! own enum: `RdmcConfig` itself is untagged.
//!
//! ```toml
//! [sampler]
//! kind = "rdmc"                 # read by the harness, not by RdmcConfig
//! integrator = "exponential"    # or "euler_maruyama"
//! output = "posterior"          # or "final" | "tweedie"
//! schedule = { grid = "geometric", horizon = 5.0, steps = 40, early_stop = 0.05, linear_above = 1.5 }
//! init = { warm_start_steps = 0, step_scale = 0.25 }
//! inner = { kind = "mala", samples = 2048, start_samples = 128, proposal = "lattice", chains = 4, steps = 16, keep = 0.5, is_only_above = 0.5 }
//! ```
//!
//! See `docs/rdmc.md` for why the defaults are what they are.

use crate::error::RdmcError;
use sampo_core::{EvalCounts, validate};
use serde::{Deserialize, Serialize};

/// How the forward times `T = t_0 > t_1 > … > t_K = δ` are placed (see [`crate::schedule`]).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Grid {
    /// Equal steps `η = (T − δ)/K`.
    Uniform,
    /// Log-uniform times `t_k = δ (T/δ)^{(K−k)/K}`: `η_k / t_k` is constant, so the
    /// steps shrink with the posterior width near δ and grow where p_t is nearly
    /// Gaussian.
    #[default]
    Geometric,
}

/// The outer time grid: horizon T, K reverse steps, early stop δ.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Schedule {
    /// Grid shape; default geometric.
    pub grid: Grid,
    /// Forward horizon T > δ (alias `T`). Default 5.
    #[serde(alias = "T")]
    pub horizon: f64,
    /// Number of reverse steps K ≥ 1 (alias `K`). Default 40.
    #[serde(alias = "K")]
    pub steps: usize,
    /// Early-stop forward time δ > 0 (alias `delta`). Default 0.05.
    #[serde(alias = "delta")]
    pub early_stop: f64,
    /// Geometric grid only: above this forward time the steps stop growing and the
    /// grid is uniform (ZOD-MC's VP grid switches at 1); `None` = log-uniform all
    /// the way to T. Default 1.5. See [`crate::schedule`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear_above: Option<f64>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            grid: Grid::Geometric,
            horizon: 5.0,
            steps: 40,
            early_stop: 0.05,
            linear_above: Some(1.5),
        }
    }
}

/// The discretization of the reverse SDE `dY = (Y + 2∇log p_t(Y)) ds + √2 dW`
/// (see [`crate::integrator`]).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Integrator {
    /// Exact over a step with the score frozen:
    /// `Y' = e^η Y + 2(e^η − 1) v + √(e^{2η} − 1) ξ`.
    #[default]
    Exponential,
    /// `Y' = Y + η (Y + 2v) + √(2η) ξ`.
    EulerMaruyama,
}

/// What is returned for a particle that reached forward time δ at `Y`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// `Y` itself, a draw from (approximately) p_δ: the target blurred by
    /// `X_δ = e^{−δ} X_0 + √(1 − e^{−2δ}) Z`.
    Final,
    /// The Tweedie mean `m_δ(Y) = E[X_0 | X_δ = Y]`: deblurred but under-dispersed
    /// (its law is not π).
    Tweedie,
    /// One draw from the inner posterior `q_δ(· | Y)`; if `Y ~ p_δ` exactly, this is
    /// an exact draw from π. Costs one more inner estimation.
    #[default]
    Posterior,
}

/// Initialization `Y_0 ~ N(0, (1 − e^{−2T}) I)` followed by a warm start: ULA
/// steps on p_T with the estimated score (the `sampo_langevin::Ula` kernel).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InitConfig {
    /// Number of warm-start ULA steps on p_T (0 = none). Default 0: at T = 5, p_T
    /// is already close to its Gaussian part.
    pub warm_start_steps: usize,
    /// Warm-start step size as a fraction of `1 − e^{−2T}` (the noise variance of
    /// p_T). Default 0.25.
    pub step_scale: f64,
}

impl Default for InitConfig {
    fn default() -> Self {
        InitConfig {
            warm_start_steps: 0,
            step_scale: 0.25,
        }
    }
}

/// How the importance-sampling noise `ε_i ~ N(0, I)` of one estimate is drawn
/// (`x0_i = e^t x + √(e^{2t} − 1) ε_i`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Proposal {
    /// Independent draws.
    Iid,
    /// Independent pairs `(ε, −ε)`.
    Antithetic,
    /// A randomly shifted rank-1 lattice mapped through the normal quantile
    /// (randomized quasi-Monte Carlo, `sampo_core::qmc`): every draw is exactly
    /// N(0, I), and the N draws cover the space evenly, so the number that land on
    /// each mode of the target is close to its expectation. The self-normalized
    /// estimate's bias towards the modes that happen to get more draws shrinks
    /// accordingly (docs/rdmc.md). Default.
    #[default]
    Lattice,
}

/// Importance sampling of `q_t(x0|x) ∝ π̃(x0) N(x0; e^t x, (e^{2t} − 1) I)` with the
/// Gaussian factor as proposal (weights `π̃(x0_i)`, self-normalized in log space).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IsConfig {
    /// Proposal draws N ≥ 1 (each one density evaluation). Default 256.
    pub samples: usize,
    /// How the proposal noise is drawn. Default lattice.
    pub proposal: Proposal,
    /// Fraction f ∈ [0, 1) of the draws taken from the defensive component
    /// `N(e^t x, κ² (e^{2t} − 1) I)`; weights use the two-component mixture
    /// (balance heuristic). Default 0.125.
    pub defensive_fraction: f64,
    /// Width κ ≥ 1 of the defensive component relative to the Gaussian factor
    /// (κ = 1 turns it off). Default 3.
    pub defensive_scale: f64,
}

impl Default for IsConfig {
    fn default() -> Self {
        IsConfig {
            samples: 256,
            proposal: Proposal::Lattice,
            defensive_fraction: DEFENSIVE_FRACTION,
            defensive_scale: DEFENSIVE_SCALE,
        }
    }
}

/// Default share of the defensive draws: one in eight, so the main component keeps
/// 7/8 of the draws where the target is well inside the proposal.
pub const DEFENSIVE_FRACTION: f64 = 0.125;
/// Default width of the defensive component: N draws of N(0, I) reach about
/// |ε| ≈ 3.5–4 (N = 10³–10⁴), so a posterior more than that many factor widths
/// from `e^t x` is invisible to them and its score is clipped; 3× wider draws reach
/// about 9.
pub const DEFENSIVE_SCALE: f64 = 3.0;

fn check_defensive(fraction: f64, scale: f64) -> Result<(), RdmcError> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(RdmcError::invalid(
            "inner.defensive_fraction",
            fraction,
            "must lie in [0, 1)",
        ));
    }
    if !(scale >= 1.0 && scale.is_finite()) {
        return Err(RdmcError::invalid(
            "inner.defensive_scale",
            scale,
            "must be finite and >= 1 (1 turns the defensive component off)",
        ));
    }
    Ok(())
}

/// Where the inner ULA chains start.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChainInit {
    /// Independent draws from the Gaussian factor `N(e^t x, (e^{2t} − 1) I)`
    /// (the paper's Algorithm 2, ZOD-MC's "normal").
    #[default]
    Normal,
    /// Every chain at `e^t x`, the Gaussian factor's mean.
    Delta,
}

/// ULA chains on `q_t` (the paper's Algorithm 2): the mean of the final iterates.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UlaInnerConfig {
    /// Chains n ≥ 1. Default 8.
    pub chains: usize,
    /// ULA steps per chain N_in ≥ 1. Default 32.
    pub steps: usize,
    /// Step `τ = min(step_scale · (e^{2t} − 1), max_step)`. Default 0.1.
    pub step_scale: f64,
    /// Cap on τ, for large t where `q_t` has the target's own curvature. Default 0.05.
    pub max_step: f64,
    /// Chain initialization. Default normal.
    pub init: ChainInit,
}

impl Default for UlaInnerConfig {
    fn default() -> Self {
        UlaInnerConfig {
            chains: 8,
            steps: 32,
            step_scale: 0.1,
            max_step: 0.05,
            init: ChainInit::Normal,
        }
    }
}

/// IS-initialized MALA chains (SLIPS's hybrid): importance draws, `chains` starts
/// resampled from the weights, `steps` MALA steps each with the step adapted during
/// the first `1 − keep` of them, and the mean over the last `keep` fraction. Above
/// `is_only_above` the importance estimate alone is used.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MalaInnerConfig {
    /// Importance draws N ≥ 1 of an IS-only estimate (t > `is_only_above`).
    /// Default 2048.
    pub samples: usize,
    /// Importance draws ≥ 1 that only pick the MALA chains' starts (t ≤
    /// `is_only_above`, or every t without it). There q_t is nearly unimodal and
    /// narrow, and the chains do the estimating. Default 128.
    pub start_samples: usize,
    /// How the importance noise is drawn. Default lattice.
    pub proposal: Proposal,
    /// Defensive share of the importance draws (see [`IsConfig`]). Default 0.125.
    pub defensive_fraction: f64,
    /// Defensive width κ (see [`IsConfig`]). Default 3.
    pub defensive_scale: f64,
    /// MALA chains ≥ 1. Default 4.
    pub chains: usize,
    /// MALA steps per chain ≥ 1. Default 16.
    pub steps: usize,
    /// Fraction of the steps kept for the mean, in (0, 1]. Default 0.5.
    pub keep: f64,
    /// Initial step `h = step_scale · (e^{2t} − 1)`; after the first call a particle
    /// carries its adapted ratio `h / (e^{2t} − 1)` to the next outer step. Default 0.5.
    pub step_scale: f64,
    /// Acceptance rate the burn-in steps adapt towards, in (0, 1). Default 0.574.
    pub target_accept: f64,
    /// Above this forward time the MALA chains are skipped and the IS estimate
    /// alone is used (IS for large t, MALA near δ); `None` = never skip. Default 0.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_only_above: Option<f64>,
}

impl Default for MalaInnerConfig {
    fn default() -> Self {
        MalaInnerConfig {
            samples: 2048,
            start_samples: 128,
            proposal: Proposal::Lattice,
            defensive_fraction: DEFENSIVE_FRACTION,
            defensive_scale: DEFENSIVE_SCALE,
            chains: 4,
            steps: 16,
            keep: 0.5,
            step_scale: 0.5,
            target_accept: 0.574,
            is_only_above: Some(0.5),
        }
    }
}

impl MalaInnerConfig {
    /// Steps whose iterates are averaged: `max(1, round(keep · steps))`.
    pub fn kept_steps(&self) -> usize {
        ((self.keep * self.steps as f64).round() as usize).clamp(1, self.steps)
    }

    /// True if at forward time t the importance estimate alone is used.
    pub fn is_only_at(&self, t: f64) -> bool {
        self.is_only_above.is_some_and(|th| t > th)
    }

    /// The importance draws of an estimate at forward time t.
    pub fn samples_at(&self, t: f64) -> usize {
        if self.is_only_at(t) {
            self.samples
        } else {
            self.start_samples
        }
    }
}

/// The estimator of the posterior mean `m_t(x) = E_{q_t}[x0]`, selected by `kind`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum InnerConfig {
    /// Importance sampling.
    Is(IsConfig),
    /// ULA chains.
    Ula(UlaInnerConfig),
    /// IS-initialized MALA chains.
    Mala(MalaInnerConfig),
}

impl Default for InnerConfig {
    fn default() -> Self {
        InnerConfig::Mala(MalaInnerConfig::default())
    }
}

impl InnerConfig {
    /// The `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            InnerConfig::Is(_) => "is",
            InnerConfig::Ula(_) => "ula",
            InnerConfig::Mala(_) => "mala",
        }
    }

    /// Target evaluations of one estimate at forward time `t`.
    ///
    /// IS: `samples` density evaluations. ULA: `chains · (steps + 1)` gradient
    /// evaluations (one at each chain's start). MALA: `samples` density evaluations
    /// when `t > is_only_above`, otherwise `start_samples` density plus
    /// `chains · (steps + 1)` gradient evaluations.
    /// Exact, except that a MALA proposal whose position overflowed to ±∞ is
    /// rejected without evaluating the target.
    pub fn evaluations_per_call(&self, t: f64) -> EvalCounts {
        match *self {
            InnerConfig::Is(c) => EvalCounts {
                density: c.samples as u64,
                gradient: 0,
            },
            InnerConfig::Ula(c) => EvalCounts {
                density: 0,
                gradient: (c.chains * (c.steps + 1)) as u64,
            },
            InnerConfig::Mala(c) => EvalCounts {
                density: c.samples_at(t) as u64,
                gradient: if c.is_only_at(t) {
                    0
                } else {
                    (c.chains * (c.steps + 1)) as u64
                },
            },
        }
    }

    /// Checks every field; names are prefixed `inner.`.
    pub fn validate(&self) -> Result<(), RdmcError> {
        let e = |e| RdmcError::field("inner.", e);
        match self {
            InnerConfig::Is(c) => {
                validate::at_least("samples", c.samples, 1).map_err(e)?;
                check_defensive(c.defensive_fraction, c.defensive_scale)?;
            }
            InnerConfig::Ula(c) => {
                validate::at_least("chains", c.chains, 1).map_err(e)?;
                validate::at_least("steps", c.steps, 1).map_err(e)?;
                validate::positive("step_scale", c.step_scale).map_err(e)?;
                validate::positive("max_step", c.max_step).map_err(e)?;
            }
            InnerConfig::Mala(c) => {
                validate::at_least("samples", c.samples, 1).map_err(e)?;
                validate::at_least("start_samples", c.start_samples, 1).map_err(e)?;
                check_defensive(c.defensive_fraction, c.defensive_scale)?;
                validate::at_least("chains", c.chains, 1).map_err(e)?;
                validate::at_least("steps", c.steps, 1).map_err(e)?;
                if !(c.keep > 0.0 && c.keep <= 1.0) {
                    return Err(RdmcError::invalid(
                        "inner.keep",
                        c.keep,
                        "must lie in (0, 1]",
                    ));
                }
                validate::positive("step_scale", c.step_scale).map_err(e)?;
                validate::open_interval("target_accept", c.target_accept, 0.0, 1.0).map_err(e)?;
                if let Some(s) = c.is_only_above {
                    validate::non_negative("is_only_above", s).map_err(e)?;
                }
            }
        }
        Ok(())
    }
}

/// The whole rdMC configuration (the `[sampler]` table minus the harness's `kind`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RdmcConfig {
    /// The outer time grid.
    pub schedule: Schedule,
    /// The reverse-SDE discretization. Default exponential integrator.
    pub integrator: Integrator,
    /// The estimator of the posterior mean (hence of the score).
    pub inner: InnerConfig,
    /// Initialization and warm start.
    pub init: InitConfig,
    /// What is returned at δ. Default a posterior draw.
    pub output: Output,
}

impl RdmcConfig {
    /// Checks every field (the error names the field, dotted).
    pub fn validate(&self) -> Result<(), RdmcError> {
        let s = &self.schedule;
        validate::positive("schedule.early_stop", s.early_stop)
            .map_err(|e| RdmcError::field("", e))?;
        validate::positive("schedule.horizon", s.horizon).map_err(|e| RdmcError::field("", e))?;
        if s.horizon <= s.early_stop {
            return Err(RdmcError::invalid(
                "schedule.horizon",
                s.horizon,
                format!(
                    "must exceed schedule.early_stop = {} (the reverse process runs from T down to δ)",
                    s.early_stop
                ),
            ));
        }
        validate::at_least("schedule.steps", s.steps, 1).map_err(|e| RdmcError::field("", e))?;
        if let Some(sw) = s.linear_above {
            validate::positive("schedule.linear_above", sw).map_err(|e| RdmcError::field("", e))?;
        }
        validate::positive("init.step_scale", self.init.step_scale)
            .map_err(|e| RdmcError::field("", e))?;
        self.inner.validate()
    }

    /// Number of inner estimations per output sample:
    /// `warm_start_steps + K + (output ≠ final)` (the warm start's last score, at
    /// forward time T, is reused by the first reverse step).
    pub fn inner_calls_per_sample(&self) -> usize {
        self.init.warm_start_steps + self.schedule.steps + usize::from(self.output != Output::Final)
    }

    /// Target evaluations per output sample, from the config alone: the sum of
    /// [`InnerConfig::evaluations_per_call`] over every inner estimation (warm
    /// start at T, the K reverse steps, the output at δ). Exact (see that method's
    /// one exception); `Run::evaluations` of an n-particle run is n times this.
    pub fn evaluations_per_sample(&self) -> EvalCounts {
        let times = crate::schedule::times(&self.schedule);
        let t_max = self.schedule.horizon;
        let mut c = EvalCounts::default();
        for _ in 0..self.init.warm_start_steps {
            c = c + self.inner.evaluations_per_call(t_max);
        }
        for &t in &times[..self.schedule.steps] {
            c = c + self.inner.evaluations_per_call(t);
        }
        if self.output != Output::Final {
            c = c + self.inner.evaluations_per_call(self.schedule.early_stop);
        }
        c
    }
}
