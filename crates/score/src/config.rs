//! Serde configurations of the estimators (every field defaulted, unknown fields
//! rejected), validated by their `validate` methods with field names as written.

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// How the importance-sampling noise `ε_i ~ N(0, I)` of one estimate is drawn
/// (`x0_i = c + √v ε_i`).
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

/// Default share of the defensive draws: one in eight, so the main component keeps
/// 7/8 of the draws where the target is well inside the proposal.
pub const DEFENSIVE_FRACTION: f64 = 0.125;
/// Default width of the defensive component: N draws of N(0, I) reach about
/// |ε| ≈ 3.5–4 (N = 10³–10⁴), so a posterior more than that many factor widths
/// from the centre is invisible to them and its mean is clipped; 3× wider draws
/// reach about 9.
pub const DEFENSIVE_SCALE: f64 = 3.0;

/// Importance sampling of `q(x0) ∝ π̃(x0) N(x0; c, v I)` with the Gaussian factor as
/// proposal (weights `π̃(x0_i)`, self-normalized in log space), plus a defensive
/// component.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IsConfig {
    /// Proposal draws N ≥ 1 (each one density evaluation). Default 256.
    pub samples: usize,
    /// How the proposal noise is drawn. Default lattice.
    pub proposal: Proposal,
    /// Fraction f ∈ [0, 1) of the draws taken from the defensive component
    /// `N(c, κ² v I)`; weights use the two-component mixture (balance heuristic).
    /// Default 0.125.
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

impl IsConfig {
    /// `round(f N)`, kept below N so the main component has a draw.
    pub fn defensive_count(&self) -> usize {
        if self.defensive_scale <= 1.0 {
            return 0;
        }
        ((self.defensive_fraction * self.samples as f64).round() as usize).min(self.samples - 1)
    }

    /// Checks every field; names are `prefix` + field.
    pub fn validate(&self, prefix: &str) -> Result<(), CoreError> {
        validate::at_least(&format!("{prefix}samples"), self.samples, 1)?;
        check_defensive(prefix, self.defensive_fraction, self.defensive_scale)
    }
}

/// Checks a defensive fraction and scale; names are `prefix` + field.
pub fn check_defensive(prefix: &str, fraction: f64, scale: f64) -> Result<(), CoreError> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(CoreError::invalid(
            format!("{prefix}defensive_fraction"),
            fraction,
            "must lie in [0, 1)",
        ));
    }
    if !(scale >= 1.0 && scale.is_finite()) {
        return Err(CoreError::invalid(
            format!("{prefix}defensive_scale"),
            scale,
            "must be finite and >= 1 (1 turns the defensive component off)",
        ));
    }
    Ok(())
}

/// Where inner ULA chains start.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChainInit {
    /// Independent draws from the Gaussian factor `N(c, v I)` (rdMC's Algorithm 2,
    /// ZOD-MC's "normal").
    #[default]
    Normal,
    /// Every chain at the factor's centre c.
    Delta,
}

/// ULA chains on q (rdMC's Algorithm 2): the mean of the final iterates.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UlaChainsConfig {
    /// Chains n ≥ 1. Default 8.
    pub chains: usize,
    /// ULA steps per chain N_in ≥ 1. Default 32.
    pub steps: usize,
    /// Step `τ = min(step_scale · v, max_step)`. Default 0.1.
    pub step_scale: f64,
    /// Cap on τ, for large v where q has the target's own curvature. Default 0.05.
    pub max_step: f64,
    /// Chain initialization. Default normal.
    pub init: ChainInit,
}

impl Default for UlaChainsConfig {
    fn default() -> Self {
        UlaChainsConfig {
            chains: 8,
            steps: 32,
            step_scale: 0.1,
            max_step: 0.05,
            init: ChainInit::Normal,
        }
    }
}

impl UlaChainsConfig {
    /// Checks every field; names are `prefix` + field.
    pub fn validate(&self, prefix: &str) -> Result<(), CoreError> {
        validate::at_least(&format!("{prefix}chains"), self.chains, 1)?;
        validate::at_least(&format!("{prefix}steps"), self.steps, 1)?;
        validate::positive(&format!("{prefix}step_scale"), self.step_scale)?;
        validate::positive(&format!("{prefix}max_step"), self.max_step)?;
        Ok(())
    }
}

/// MALA chains on q started from importance draws (SLIPS's hybrid, see
/// [`crate::PosteriorMean::mala`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MalaChains {
    /// Chains ≥ 1.
    pub chains: usize,
    /// Steps per chain ≥ 1.
    pub steps: usize,
    /// Steps whose iterates are averaged (the last ones), in 1..=steps.
    pub kept: usize,
    /// Initial step `h = step_scale · v`, unless the workspace carries an adapted
    /// ratio `h / v` from an earlier call.
    pub step_scale: f64,
    /// Acceptance rate the burn-in steps adapt towards, in (0, 1).
    pub target_accept: f64,
}
