//! The `sgld` configuration (a TOML table, `deny_unknown_fields`).
//!
//! ```toml
//! [sampler]
//! kind = "sgld"
//! step_size = 1e-4                                     # h₀: drift h ĝ, noise variance 2h
//! batch_size = 32                                      # n ≤ N; n = N is the exact gradient
//! schedule = { kind = "polynomial", b = 1000.0, gamma = 0.55 }
//! preconditioner = { kind = "rmsprop" }                # pSGLD
//! ```
//!
//! **Step convention** (as every Langevin kernel here, BlackJAX and SLIPS):
//! `x' = x + h ĝ(x) + √(2h) ξ`. Welling & Teh write `x' = x + (ε/2) ĝ + N(0, ε)`: their
//! ε is our 2h.

use crate::precondition::Preconditioner;
use crate::schedule::Schedule;
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
}

impl Default for SgldConfig {
    fn default() -> Self {
        SgldConfig {
            step_size: default_step(),
            batch_size: default_batch(),
            schedule: Schedule::default(),
            preconditioner: Preconditioner::default(),
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
