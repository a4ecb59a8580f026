//! The moves' configurations (serde, every field defaulted, validated once) and the
//! rule that sets the number of walkers W.
//!
//! **Walkers.** `walkers` in the config if set, else the job's `chains` if set,
//! else `W = max(2(d + 1), 32)` capped at n rounded down to even
//! ([`default_walkers`]). W must be even (two halves of W/2), at least 4 (each half
//! needs two walkers: a DE pair, a walk subset) and more than d: every move keeps
//! the walkers in the affine hull of the ensemble (a stretch `y = x_j + z(x − x_j)`,
//! a walk or DE step `y = x + Σ c_j (x_j − x_k)`), so fewer than d + 1 walkers never
//! leave a proper affine subspace. emcee refuses W < 2d by default
//! (`RedBlueMove.live_dangerously`); we refuse only the certainly non-ergodic
//! W ≤ d and warn below 2d. W ≤ n: the run keeps ⌈n/W⌉ ensembles and cuts the
//! output to n samples, so walkers beyond n would be spent and then dropped.

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// Default walkers at least (when n allows): emcee's documentation examples use 32,
/// enough that the two halves are 16-walker samples of the target, while the
/// per-step cost (W evaluations) stays small.
pub const MIN_DEFAULT_WALKERS: usize = 32;

/// Smallest ensemble: two halves of two walkers (a DE pair, a walk subset of two).
pub const MIN_WALKERS: usize = 4;

/// The Goodman–Weare stretch move (`kind = "stretch"`; see [`super::stretch`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StretchConfig {
    /// The stretch scale a > 1: z has density ∝ 1/√z on [1/a, a]. Default 2, the
    /// value Goodman & Weare (2010) use and emcee defaults to.
    pub a: f64,
    /// Walkers W (even, ≥ 4, > d); default: see the module docs.
    pub walkers: Option<usize>,
}

impl Default for StretchConfig {
    fn default() -> Self {
        StretchConfig {
            a: 2.0,
            walkers: None,
        }
    }
}

impl StretchConfig {
    /// Checks every field (errors name it, prefixed `stretch.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        if !(self.a.is_finite() && self.a > 1.0) {
            return Err(CoreError::invalid(
                "stretch.a",
                self.a,
                "must be finite and > 1 (z is drawn on [1/a, a])",
            ));
        }
        check_walkers("stretch.walkers", self.walkers)
    }
}

/// The Goodman–Weare walk move (`kind = "walk-move"`; see [`super::walk`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalkMoveConfig {
    /// Helper walkers |S| drawn from the complementary half; 0 (the default, emcee's
    /// `s = None`) uses the whole half. Otherwise 2 ≤ |S| ≤ W/2.
    pub subset: usize,
    /// Walkers W (even, ≥ 4, > d); default: see the module docs.
    pub walkers: Option<usize>,
}

impl WalkMoveConfig {
    /// Checks every field (errors name it, prefixed `walk-move.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        check_walkers("walk-move.walkers", self.walkers)?;
        if self.subset == 1 {
            return Err(CoreError::invalid(
                "walk-move.subset",
                1,
                "must be 0 (the whole complementary half) or >= 2: one helper has no spread",
            ));
        }
        if let Some(w) = self.walkers {
            check_subset(self.subset, w)?;
        }
        Ok(())
    }
}

/// `subset` against W walkers (halves of W/2).
pub(crate) fn check_subset(subset: usize, walkers: usize) -> Result<(), CoreError> {
    if subset > walkers / 2 {
        return Err(CoreError::invalid(
            "walk-move.subset",
            subset,
            format!(
                "must be <= W/2 = {} (the complementary half of {walkers} walkers)",
                walkers / 2
            ),
        ));
    }
    Ok(())
}

/// The differential-evolution move (`kind = "de-move"`; see [`super::de`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeMoveConfig {
    /// Mean scale γ₀ of the difference vector; default `2.38/√(2d)` (ter Braak 2006:
    /// the optimal random-walk scale 2.38/√d of Roberts, Gelman & Gilks 1997, for the
    /// difference of two draws, whose covariance is 2Σ).
    pub gamma0: Option<f64>,
    /// Relative spread σ of the scale: γ = γ₀(1 + σ ξ), ξ ~ N(0, 1). Default 1e-5,
    /// emcee's: a jitter that only breaks exact periodicities.
    pub sigma: f64,
    /// Walkers W (even, ≥ 4, > d); default: see the module docs.
    pub walkers: Option<usize>,
}

impl Default for DeMoveConfig {
    fn default() -> Self {
        DeMoveConfig {
            gamma0: None,
            sigma: 1e-5,
            walkers: None,
        }
    }
}

impl DeMoveConfig {
    /// Checks every field (errors name it, prefixed `de-move.`).
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Some(g) = self.gamma0 {
            validate::positive("de-move.gamma0", g)?;
        }
        validate::non_negative("de-move.sigma", self.sigma)?;
        check_walkers("de-move.walkers", self.walkers)
    }

    /// γ₀ in dimension d (the configured one, or 2.38/√(2d)).
    pub fn gamma0_in(&self, d: usize) -> f64 {
        self.gamma0
            .unwrap_or_else(|| OPTIMAL_RW_SCALE / (2.0 * d as f64).sqrt())
    }
}

/// The optimal random-walk Metropolis scale 2.38/√d for Gaussian targets (Roberts,
/// Gelman & Gilks 1997; Gelman, Roberts & Gilks 1996): its numerator.
pub const OPTIMAL_RW_SCALE: f64 = 2.38;

/// An explicit walker count: even and ≥ [`MIN_WALKERS`].
fn check_walkers(field: &str, walkers: Option<usize>) -> Result<(), CoreError> {
    match walkers {
        None => Ok(()),
        Some(w) => check_walker_count(field, w),
    }
}

/// W even and ≥ [`MIN_WALKERS`].
pub(crate) fn check_walker_count(field: &str, w: usize) -> Result<(), CoreError> {
    if w < MIN_WALKERS {
        return Err(CoreError::invalid(
            field,
            w,
            format!("must be >= {MIN_WALKERS} (two halves of at least two walkers)"),
        ));
    }
    if !w.is_multiple_of(2) {
        return Err(CoreError::invalid(
            field,
            w,
            "must be even (the ensemble is split into two equal halves)",
        ));
    }
    Ok(())
}

/// The default W for n samples in dimension d: `max(2(d + 1), 32)`, capped at n
/// rounded down to even (see the module docs).
pub fn default_walkers(n: usize, d: usize) -> usize {
    let wanted = (2 * (d + 1)).max(MIN_DEFAULT_WALKERS);
    wanted.min(n - n % 2)
}

/// Resolves W (config, then the job's chains, then [`default_walkers`]) and checks
/// it against n and d; `field` names the config's `walkers`.
pub fn resolve_walkers(
    field: &str,
    configured: Option<usize>,
    chains: Option<usize>,
    n: usize,
    d: usize,
) -> Result<usize, CoreError> {
    let (w, name) = match (configured, chains) {
        (Some(w), _) => (w, field),
        (None, Some(c)) => (c, "chains"),
        (None, None) => {
            let w = default_walkers(n, d);
            if w < MIN_WALKERS {
                return Err(CoreError::invalid(
                    "n",
                    n,
                    format!(
                        "an ensemble move needs at least {MIN_WALKERS} walkers, so n >= {MIN_WALKERS}"
                    ),
                ));
            }
            (w, field)
        }
    };
    check_walker_count(name, w)?;
    if w > n {
        return Err(CoreError::invalid(
            name,
            w,
            format!("must be <= n = {n}: walkers beyond n would be run and dropped"),
        ));
    }
    check_affine_span(name, w, d)?;
    Ok(w)
}

/// W > d (see the module docs).
pub(crate) fn check_affine_span(field: &str, w: usize, d: usize) -> Result<(), CoreError> {
    if w <= d {
        return Err(CoreError::invalid(
            field,
            w,
            format!(
                "must be > d = {d}: the moves keep the walkers in the affine hull of the \
                 ensemble, so {w} walkers never explore R^{d} (emcee advises W >= 2d)"
            ),
        ));
    }
    Ok(())
}
