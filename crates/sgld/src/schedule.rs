//! Step-size schedules `h_t`, t = 0, 1, … the step index of a chain (warm-up and
//! sampling steps alike).
//!
//! Welling & Teh (2011, §2, eq. 2) require `Σ_t h_t = ∞` and `Σ_t h_t² < ∞` for the
//! chain to converge to the posterior; the polynomial decay `h_t = a (b + t)^{−γ}`
//! meets both for γ ∈ (0.5, 1]. We write it as `h_t = h₀ (1 + t/b)^{−γ}`, the same
//! family with `a = h₀ b^γ`, so that `step_size` stays the first step in either
//! schedule. With a constant step the chain is stationary at a biased law (O(h) in
//! W2 for smooth, strongly log-concave targets), as ULA is. With a decaying step the
//! registry's samplers weight each kept draw by the steps it stands for
//! ([`Schedule::window_log_weight`]).

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// A schedule (module docs). TOML: `schedule = { kind = "constant" }` (the default) or
/// `schedule = { kind = "polynomial", b = 1000.0, gamma = 0.55 }`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Schedule {
    /// `h_t = step_size`.
    #[default]
    Constant,
    /// `h_t = step_size · (1 + t/b)^{−γ}`.
    Polynomial {
        /// The step at which the decay sets in, b > 0.
        b: f64,
        /// The decay exponent γ ∈ (0, 1] (in (0.5, 1] for the Robbins–Monro conditions).
        gamma: f64,
    },
}

impl Schedule {
    /// The step `h_t` from the first step `h0`.
    #[inline]
    pub fn at(&self, h0: f64, t: u64) -> f64 {
        match *self {
            Schedule::Constant => h0,
            Schedule::Polynomial { b, gamma } => h0 * (1.0 + t as f64 / b).powf(-gamma),
        }
    }

    /// Whether every step is the same (then draws need no weights).
    pub fn is_constant(&self) -> bool {
        matches!(self, Schedule::Constant)
    }

    /// `ln Σ_{u = s−thin+1}^{s} h_u`: the log weight of the draw kept after step s
    /// (1-based, so the draw is x_s) that stands for the `thin` positions since the
    /// last kept one. Welling & Teh (2011, §4) estimate `E f ≈ Σ_t h_t f(x_t) / Σ_t h_t`,
    /// x_t weighted by the step taken from it; a kept draw carries its window's sum.
    pub fn window_log_weight(&self, h0: f64, s: u64, thin: u64) -> f64 {
        let first = s + 1 - thin.min(s);
        (first..=s).map(|u| self.at(h0, u)).sum::<f64>().ln()
    }

    /// Checks the fields (names as in TOML: `schedule.b`, `schedule.gamma`).
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Schedule::Polynomial { b, gamma } = *self {
            validate::positive("schedule.b", b)?;
            if !(gamma > 0.0 && gamma <= 1.0) {
                return Err(CoreError::invalid(
                    "schedule.gamma",
                    gamma,
                    "must be in (0, 1] (in (0.5, 1] the steps satisfy Σh = ∞, Σh² < ∞)",
                ));
            }
        }
        Ok(())
    }
}
