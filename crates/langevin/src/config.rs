//! Serde configurations of the Langevin kernels, validated once by the kernels'
//! fallible constructors (or by [`LangevinConfig::validate`]).
//!
//! Step-size convention (all kernels): `h` multiplies the gradient and the noise
//! variance is `2h`, as in BlackJAX and SLIPS: `x' = x + h ∇log π(x) + √(2h) ξ`.
//! Papers that write `x + (h/2)∇log π + √h ξ` use a step twice ours.
//!
//! From TOML, the sampler is chosen by `kind`:
//!
//! ```toml
//! [sampler]
//! kind = "mala"
//! step_size = 0.1
//! adapt = { target_accept = 0.574 }   # optional; absent = fixed step size
//! ```

use crate::dual_averaging::DualAveraging;
use crate::error::LangevinError;
use sampo_core::validate;
use serde::{Deserialize, Serialize};

/// Unadjusted Langevin algorithm (see [`crate::Ula`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UlaConfig {
    /// Step size h > 0 (drift `h ∇log π`, noise variance `2h`).
    pub step_size: f64,
}

impl UlaConfig {
    /// A config with step size `h`.
    pub fn new(step_size: f64) -> Self {
        UlaConfig { step_size }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), LangevinError> {
        validate::positive("step_size", self.step_size)
            .map_err(|e| LangevinError::config("ula", e))?;
        Ok(())
    }
}

/// Metropolis-adjusted Langevin algorithm (see [`crate::Mala`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MalaConfig {
    /// Step size h > 0; the initial step ε0 when `adapt` is set.
    pub step_size: f64,
    /// Warm-up step-size adaptation by dual averaging; `None` (the default, and what
    /// an absent TOML field gives) keeps `step_size` fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapt: Option<DualAveraging>,
}

impl MalaConfig {
    /// A fixed step size `h`.
    pub fn new(step_size: f64) -> Self {
        MalaConfig {
            step_size,
            adapt: None,
        }
    }

    /// Adapts the step size during warm-up, starting from `step_size`.
    pub fn with_adaptation(mut self, adapt: DualAveraging) -> Self {
        self.adapt = Some(adapt);
        self
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), LangevinError> {
        let e = |e| LangevinError::config("mala", e);
        validate::positive("step_size", self.step_size).map_err(e)?;
        if let Some(da) = &self.adapt {
            da.validate("adapt.").map_err(e)?;
        }
        Ok(())
    }
}

/// Splitting of the underdamped Langevin step into the flows
/// `A(τ): x += τ v`, `B(τ): v += τ ∇log π(x)`,
/// `O(τ): v ← e^{−γτ} v + √(1 − e^{−2γτ}) ξ` (see [`crate::Underdamped`]).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Splitting {
    /// `B(h/2) A(h/2) O(h) A(h/2) B(h/2)` (Leimkuhler & Matthews 2013): exact
    /// configurational variance on Gaussians.
    #[default]
    #[serde(rename = "BAOAB", alias = "baoab")]
    Baoab,
    /// `O(h/2) B(h/2) A(h) B(h/2) O(h/2)`: velocity Verlet between two half
    /// refreshes; exact velocity variance on Gaussians.
    #[serde(rename = "OBABO", alias = "obabo")]
    Obabo,
    /// `A(h/2) B(h/2) O(h) B(h/2) A(h/2)`: the gradient is taken at the midpoint;
    /// exact configurational variance on Gaussians.
    #[serde(rename = "ABOBA", alias = "aboba")]
    Aboba,
}

/// Underdamped (kinetic) Langevin dynamics with unit mass (see [`crate::Underdamped`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UnderdampedConfig {
    /// Step size h > 0.
    pub step_size: f64,
    /// Friction γ > 0 (velocity relaxation rate). Default 1, i.e. of the order of the
    /// inverse length scale of a unit-scale target.
    #[serde(default = "default_friction")]
    pub friction: f64,
    /// The splitting scheme; default BAOAB.
    #[serde(default)]
    pub splitting: Splitting,
}

fn default_friction() -> f64 {
    1.0
}

impl UnderdampedConfig {
    /// A config with step `h`, friction `γ` and splitting `s`.
    pub fn new(step_size: f64, friction: f64, splitting: Splitting) -> Self {
        UnderdampedConfig {
            step_size,
            friction,
            splitting,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), LangevinError> {
        let e = |e| LangevinError::config("underdamped", e);
        validate::positive("step_size", self.step_size).map_err(e)?;
        validate::positive("friction", self.friction).map_err(e)?;
        Ok(())
    }
}

/// Any Langevin sampler, selected by `kind` = `"ula"`, `"mala"` or `"underdamped"`
/// (the `[sampler]` table of a suite file).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LangevinConfig {
    /// Unadjusted Langevin.
    Ula(UlaConfig),
    /// Metropolis-adjusted Langevin.
    Mala(MalaConfig),
    /// Underdamped Langevin.
    Underdamped(UnderdampedConfig),
}

impl LangevinConfig {
    /// Checks every field of the selected config.
    pub fn validate(&self) -> Result<(), LangevinError> {
        match self {
            LangevinConfig::Ula(c) => c.validate(),
            LangevinConfig::Mala(c) => c.validate(),
            LangevinConfig::Underdamped(c) => c.validate(),
        }
    }

    /// The `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            LangevinConfig::Ula(_) => "ula",
            LangevinConfig::Mala(_) => "mala",
            LangevinConfig::Underdamped(_) => "underdamped",
        }
    }

    /// The (initial) step size.
    pub fn step_size(&self) -> f64 {
        match self {
            LangevinConfig::Ula(c) => c.step_size,
            LangevinConfig::Mala(c) => c.step_size,
            LangevinConfig::Underdamped(c) => c.step_size,
        }
    }
}
