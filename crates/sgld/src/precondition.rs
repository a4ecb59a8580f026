//! Diagonal preconditioning of SGLD by RMSprop statistics: pSGLD (Li, Chen, Carlson
//! & Carin, AAAI 2016, Algorithm 1).
//!
//! With `ḡ_t = (1/n) Σ_{i∈B_t} ∇log p(y_i | x_t)` the mean likelihood gradient of the
//! step's batch,
//!
//! ```text
//! V_t = α V_{t−1} + (1 − α) ḡ_t ⊙ ḡ_t,        V_{−1} = 0
//! G_t = diag(1 ⊘ (λ + √V_t))
//! x_{t+1} = x_t + h_t G_t ĝ_t + √(2 h_t G_t) ξ_t
//! ```
//!
//! (the paper's eq. 4–5 in our step convention, ε = 2h). The paper's correction term
//! `Γ = Σ_j ∂G_ij/∂x_j` is dropped, as in its Algorithm 1: G moves with (1 − α) per
//! step, so Γ is O(1 − α) and its omission adds a bias of that order (§4 of the
//! paper).

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

fn default_alpha() -> f64 {
    // The paper's default decay (Li et al. 2016, §5).
    0.99
}
fn default_epsilon() -> f64 {
    // The paper's λ = 1e−5 (§5): keeps G bounded where ḡ vanishes.
    1e-5
}

/// A preconditioner. TOML: `preconditioner = { kind = "identity" }` (the default) or
/// `preconditioner = { kind = "rmsprop", alpha = 0.99, epsilon = 1e-5 }`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Preconditioner {
    /// G = I: plain SGLD.
    #[default]
    Identity,
    /// pSGLD (module docs).
    Rmsprop {
        /// The moving-average decay α ∈ (0, 1).
        #[serde(default = "default_alpha")]
        alpha: f64,
        /// The floor λ > 0 added to √V.
        #[serde(default = "default_epsilon")]
        epsilon: f64,
    },
}

impl Preconditioner {
    /// Checks the fields (`preconditioner.alpha`, `preconditioner.epsilon`).
    pub fn validate(&self) -> Result<(), CoreError> {
        if let Preconditioner::Rmsprop { alpha, epsilon } = *self {
            validate::open_interval("preconditioner.alpha", alpha, 0.0, 1.0)?;
            validate::positive("preconditioner.epsilon", epsilon)?;
        }
        Ok(())
    }

    /// Whether the kernel keeps RMSprop statistics.
    pub fn is_adaptive(&self) -> bool {
        matches!(self, Preconditioner::Rmsprop { .. })
    }
}
