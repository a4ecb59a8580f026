//! The walk-jump configuration (serde, every field defaulted, unknown fields
//! rejected) and the rules that fill in what the user leaves out.
//!
//! **σ rule** (research notes samplers-a §2.4): if π is the law of `Z + N(0, τ² I)`
//! with `Z` in a ball of radius R, then `∇²log p_σ(y) = −(σ² + τ²)⁻¹ I + (σ² + τ²)⁻²
//! Cov(Z | y) ⪯ 0` as soon as `σ² ≥ R² − τ²`: the first walk's target `p(y_1)` is
//! log-concave. With no `sigma` given, `σ = √max(R² − τ², τ²)`, with R and τ² from the
//! target's [`sampo_core::SmoothingGeometry`] (a mixture: R = the largest distance of a
//! mean from the weighted mean of the means, τ² = the smallest eigenvalue of any
//! component covariance). The floor τ² applies when R² ≤ 2τ² (a unimodal target:
//! any σ makes `p(y_1)` log-concave, and σ = τ keeps the jump's residual smoothing at
//! the target's own scale). A target without closed-form smoothing needs `sigma`.
//!
//! **Step rule.** The walk target `p(y_m | y_{1:m−1})` has Hessian
//! `−I/σ² + Cov(X | y_{1:m})/σ⁴ ⪰ −I/σ²` (§2.3): its curvature is at most `1/σ²`. The
//! default steps are fractions of that scale: ULA `h = 0.1 σ²` (stationary variance
//! inflated by at most `1/(1 − h/(2σ²)) ≈ 1.05` along the stiffest direction, §4.1),
//! MALA `h = 0.5 σ²` (corrected, so larger), underdamped `h = 0.5 σ` (the Genentech
//! walk-jump default `δ = 0.5σ`, §2.6) with friction `γ = 1/σ`, i.e. `γh = 0.5` per
//! step.

use sampo_core::{CoreError, SmoothingGeometry, validate};
use sampo_score::IsConfig;
use serde::{Deserialize, Serialize};

/// Which chain over the measurements.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    /// One at a time (the paper's Algorithm 1): measurement m is walked on
    /// `p(y_m | y_{1:m−1})` with the earlier ones frozen.
    #[default]
    Oat,
    /// All at once: one Langevin chain on the joint `p(y_{1:M})` in `R^{Md}`, for
    /// comparison (its condition number grows with M, §2.3).
    Aao,
}

/// The walk's Langevin kernel (from `sampo-langevin`, through the drift contract).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Walk {
    /// Unadjusted overdamped Langevin.
    Ula,
    /// Metropolis-adjusted Langevin (needs the walk target's density: analytic
    /// scores only).
    Mala,
    /// Underdamped Langevin, ABOBA splitting with unit mass (= the Sachs et al.
    /// 2017 scheme of walk-jump; friction γ per unit time, `e^{−γh}` per step).
    #[default]
    Underdamped,
}

/// Where the smoothed score `∇log p_{σ²/m}` comes from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ScoreConfig {
    /// Closed form (`sampo_core::Smoothable`: Gaussians, Gaussian mixtures). Each
    /// evaluation counts as one gradient evaluation.
    #[default]
    Analytic,
    /// Importance sampling of `E[X | ȳ]` under `N(ȳ, σ²/m I)` (the paper's eq. 4.8
    /// estimator; `sampo-score`); `samples` density evaluations per estimate.
    Is(IsConfig),
    /// The gradient-based variant: the same weights averaging `∇log π̃`;
    /// `samples` gradient evaluations per estimate.
    IsGradient(IsConfig),
}

/// What each particle returns.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Output {
    /// The jump `x̂ = E[X | y_{1:M}]` (a posterior mean: under-dispersed by the
    /// residual smoothing σ/√M).
    #[default]
    Jump,
    /// One draw of `p(x | y_{1:M})`: exact with analytic scores, one importance
    /// draw resampled by weight with a Monte Carlo estimator.
    PosteriorDraw,
}

/// Walk-jump sampling (see the crate docs for the algorithm).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WalkJumpConfig {
    /// The noise scale σ > 0 of every measurement; default: the σ rule (module docs).
    pub sigma: Option<f64>,
    /// Measurements M ≥ 1. Default 64.
    pub measurements: usize,
    /// Walk steps n_m for each measurement after the first. Default 12.
    pub steps_per_measurement: usize,
    /// Walk steps n_1 of the first measurement: `y_1 ~ p_σ` must mix before the
    /// measurements accumulate, or the mode weights freeze wrong whatever M is.
    /// Default 100.
    pub first_walk_steps: usize,
    /// The walk kernel. Default underdamped.
    pub walk: Walk,
    /// The walk's step size; default: the step rule (module docs).
    pub step_size: Option<f64>,
    /// Underdamped friction γ > 0 per unit time; default 1/σ.
    pub friction: Option<f64>,
    /// One at a time (default) or all at once.
    pub chain: Chain,
    /// The smoothed score. Default analytic.
    pub score: ScoreConfig,
    /// The output. Default the jump.
    pub output: Output,
}

impl Default for WalkJumpConfig {
    fn default() -> Self {
        WalkJumpConfig {
            sigma: None,
            measurements: 64,
            steps_per_measurement: 12,
            first_walk_steps: 100,
            walk: Walk::Underdamped,
            step_size: None,
            friction: None,
            chain: Chain::Oat,
            score: ScoreConfig::Analytic,
            output: Output::Jump,
        }
    }
}

/// The parameters of one run, with every rule applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved {
    /// σ.
    pub sigma: f64,
    /// The walk step.
    pub step_size: f64,
    /// The underdamped friction (unused by ULA and MALA).
    pub friction: f64,
}

/// `σ = √max(R² − τ², τ²)` (module docs).
pub fn sigma_rule(g: &SmoothingGeometry) -> f64 {
    let r2 = g.radius * g.radius;
    (r2 - g.floor_variance).max(g.floor_variance).sqrt()
}

impl WalkJumpConfig {
    /// Checks every field that does not depend on the target; names are as written.
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Some(s) = self.sigma {
            validate::positive("sigma", s)?;
        }
        validate::at_least("measurements", self.measurements, 1)?;
        validate::at_least("first_walk_steps", self.first_walk_steps, 1)?;
        if self.measurements > 1 {
            validate::at_least("steps_per_measurement", self.steps_per_measurement, 1)?;
        }
        if let Some(h) = self.step_size {
            validate::positive("step_size", h)?;
        }
        if let Some(g) = self.friction {
            validate::positive("friction", g)?;
        }
        match &self.score {
            ScoreConfig::Analytic => {}
            ScoreConfig::Is(c) | ScoreConfig::IsGradient(c) => c.validate("score.")?,
        }
        if self.walk == Walk::Mala && self.score != ScoreConfig::Analytic {
            return Err(CoreError::invalid(
                "walk",
                "mala",
                "MALA needs the walk target's density, which only analytic scores give \
                 (score.kind = \"analytic\"); use ula or underdamped with a Monte Carlo score",
            ));
        }
        Ok(())
    }

    /// The run's σ, step and friction, from the config and (when σ is not given)
    /// the target's smoothing geometry.
    pub fn resolve(&self, geometry: Option<&SmoothingGeometry>) -> Result<Resolved, CoreError> {
        let sigma = match (self.sigma, geometry) {
            (Some(s), _) => s,
            (None, Some(g)) => sigma_rule(g),
            (None, None) => {
                return Err(CoreError::invalid(
                    "sigma",
                    "none",
                    "this target has no closed-form smoothing to choose σ from \
                     (the σ rule needs the mixture's radius R and floor variance τ²); give sigma",
                ));
            }
        };
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(CoreError::invalid(
                "sigma",
                sigma,
                "the σ rule gave a non-positive σ (a point mass?); give sigma",
            ));
        }
        let step_size = self.step_size.unwrap_or(match self.walk {
            Walk::Ula => 0.1 * sigma * sigma,
            Walk::Mala => 0.5 * sigma * sigma,
            Walk::Underdamped => 0.5 * sigma,
        });
        let friction = self.friction.unwrap_or(1.0 / sigma);
        Ok(Resolved {
            sigma,
            step_size,
            friction,
        })
    }

    /// Walk steps over the whole run: `n_1 + (M − 1) n`.
    pub fn total_walk_steps(&self) -> usize {
        self.first_walk_steps + (self.measurements - 1) * self.steps_per_measurement
    }

    /// Walk steps of measurement m (1-based): n_1 for the first, n for the others.
    pub fn walk_steps(&self, m: usize) -> usize {
        if m == 1 {
            self.first_walk_steps
        } else {
            self.steps_per_measurement
        }
    }

    /// Smoothed-score estimates per output sample. OAT: at each measurement, one
    /// at the walk's start, one per walk step, and the jump after it (which starts
    /// the next measurement, and is the output after the last): `Σ_m (n_m + 2)`.
    /// AAO (one runner segment per measurement, each re-evaluating its start): the
    /// same count.
    pub fn estimates_per_sample(&self) -> u64 {
        (self.total_walk_steps() + 2 * self.measurements) as u64
    }
}
