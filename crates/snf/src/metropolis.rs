//! Metropolis MC blocks (`MetropolisMCFlow` in bgtorch; paper §3, eq. 8–9).
//!
//! K random-walk steps on `u_λ` ([`crate::energy`]): `y' = y + σ_k ξ`, `ξ ~ N(0, I)`,
//! accepted when `U < exp(−(u_λ(y') − u_λ(y)))`, one decision per sample. Detailed
//! balance gives `q(y' → y)/q(y → y') = e^{u_λ(y') − u_λ(y)}`, so the block's path
//! term is its own energy change,
//!
//! ```text
//! ΔS = u_λ(y_K) − u_λ(y_0),
//! ```
//!
//! and the inverse pass is the same block simulated again (the kernel is reversible).
//!
//! **Gradients** follow the reparameterized proposal path (samplers-b.md §2.7, pitfall
//! 1): with the accept decisions and ξ held fixed, `y_K = y_0 + Σ_{accepted} σ_k ξ_k`,
//! so `∂y_K/∂y_0 = I` and `∂y_K/∂σ_k = ξ_k` on accepted steps; the accept decisions
//! carry no gradient (they are not differentiable). With `∂L/∂ΔS = s`, the block passes
//! back `∂L/∂y_0 = ∂L/∂y_K + s (∇u_λ(y_K) − ∇u_λ(y_0))` (through ΔS). The weights stay
//! exact whatever the gradient does.
//!
//! **Learned widths** ("adaptive MC", `experiment1_doublewell_adaptiveMC.ipynb`): one
//! parameter p_k per step with `σ_k = clamp(|p_k| + 0.01, 0.01, 0.3)`, trained through
//! the same path (`∂σ_k/∂p_k = sign p_k` inside the clamp, 0 outside).

use crate::energy::Interpolated;
use sampo_core::rng::{standard_normal, uniform};
use sampo_core::{EvalCounts, GradTarget, StreamRng};
use serde::{Deserialize, Serialize};

/// Smallest learned width (the notebook's `+ 0.01` and lower clamp).
pub const MIN_LEARNED_WIDTH: f64 = 0.01;
/// Largest learned width (the notebook's upper clamp).
pub const MAX_LEARNED_WIDTH: f64 = 0.3;

/// The proposal widths of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Widths {
    /// One fixed σ for every step.
    Fixed {
        /// σ > 0.
        sigma: f64,
    },
    /// σ_k = clamp(|p_k| + 0.01, 0.01, 0.3) from K parameters at `offset` in the
    /// flow's vector.
    Learned {
        /// Offset of p_1 … p_K in the flow's parameter vector.
        offset: usize,
    },
}

/// A Metropolis block (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metropolis {
    /// Steps K.
    pub steps: usize,
    /// λ of the block's energy u_λ.
    pub lambda: f64,
    /// Proposal widths.
    pub widths: Widths,
}

/// One sample's walk through a block, kept for the backward pass.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// ξ of every step (K × d), only for learned widths.
    pub xi: Vec<f64>,
    /// Whether each step was accepted (K), only for learned widths.
    pub accepted: Vec<bool>,
    /// Accepted steps.
    pub accepts: usize,
}

impl Metropolis {
    /// σ_k from the parameters.
    #[inline]
    pub fn sigma(&self, params: &[f64], k: usize) -> f64 {
        match self.widths {
            Widths::Fixed { sigma } => sigma,
            Widths::Learned { offset } => (params[offset + k].abs() + MIN_LEARNED_WIDTH)
                .clamp(MIN_LEARNED_WIDTH, MAX_LEARNED_WIDTH),
        }
    }

    /// `∂σ_k/∂p_k` (learned widths).
    #[inline]
    pub fn dsigma(&self, params: &[f64], k: usize) -> f64 {
        match self.widths {
            Widths::Fixed { .. } => 0.0,
            Widths::Learned { offset } => {
                let p = params[offset + k];
                let s = p.abs() + MIN_LEARNED_WIDTH;
                if s > MAX_LEARNED_WIDTH {
                    0.0
                } else {
                    p.signum()
                }
            }
        }
    }

    /// Number of learned parameters (K for learned widths, else 0).
    pub fn num_params(&self) -> usize {
        match self.widths {
            Widths::Fixed { .. } => 0,
            Widths::Learned { .. } => self.steps,
        }
    }

    /// Runs the K steps from `y` (energy `u` there), in place; returns the final
    /// energy. With `record`, ξ and the decisions are kept in `walk` (learned widths).
    #[allow(clippy::too_many_arguments)]
    pub fn walk<T: GradTarget + ?Sized>(
        &self,
        energy: &Interpolated<'_, T>,
        params: &[f64],
        y: &mut [f64],
        mut u: f64,
        rng: &mut StreamRng,
        scratch: &mut Vec<f64>,
        walk: Option<&mut Walk>,
        cost: &mut EvalCounts,
    ) -> f64 {
        let d = y.len();
        scratch.resize(2 * d, 0.0);
        let (xi, prop) = scratch.split_at_mut(d);
        let mut record = walk;
        if let Some(w) = record.as_deref_mut() {
            w.accepts = 0;
            w.xi.clear();
            w.accepted.clear();
        }
        let mut accepts = 0;
        for k in 0..self.steps {
            let sigma = self.sigma(params, k);
            xi.iter_mut().for_each(|x| *x = standard_normal(rng));
            for ((p, yv), x) in prop.iter_mut().zip(y.iter()).zip(xi.iter()) {
                *p = yv + sigma * x;
            }
            let u_new = energy.energy(prop, cost);
            let accept = uniform(rng) < (u - u_new).exp();
            if accept {
                y.copy_from_slice(prop);
                u = u_new;
                accepts += 1;
            }
            if let Some(w) = record.as_deref_mut()
                && matches!(self.widths, Widths::Learned { .. })
            {
                w.xi.extend_from_slice(xi);
                w.accepted.push(accept);
            }
        }
        if let Some(w) = record {
            w.accepts = accepts;
        }
        u
    }
}
