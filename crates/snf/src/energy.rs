//! The energies a flow's stochastic blocks use: the prior `u_Z`, the target
//! `u_X = −log π̃`, and their interpolation (`InterpolatedEnergy` in `snf_code/snf.py`)
//!
//! ```text
//! u_λ(x) = (1 − λ) u_Z(x) + λ u_X(x),   u_Z(x) = ½‖x‖² + (d/2) ln 2π,
//! ```
//!
//! with the force interpolated the same way. u_Z is the normalized standard normal's
//! energy, so that `E[w] = Z = ∫ π̃` for the path weights of [`crate::flow`]. Every
//! evaluation of the target is tallied in an [`EvalCounts`] the caller owns (u_λ at
//! λ = 0 costs nothing), so training and sampling report their cost exactly.

use sampo_core::{Divergence, Drift, DriftEval, EvalCounts, GradTarget, StreamRng};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The prior energy `½‖x‖² + (d/2) ln 2π`.
#[inline]
pub fn prior_energy(x: &[f64]) -> f64 {
    0.5 * x.iter().map(|v| v * v).sum::<f64>() + 0.5 * x.len() as f64 * LN_2PI
}

/// `u_λ` of a target (see the module docs).
pub struct Interpolated<'a, T: GradTarget + ?Sized> {
    /// The target π̃.
    pub target: &'a T,
    /// λ ∈ [0, 1].
    pub lambda: f64,
}

impl<'a, T: GradTarget + ?Sized> Interpolated<'a, T> {
    /// `u_λ` between the prior and `target`.
    pub fn new(target: &'a T, lambda: f64) -> Self {
        Interpolated { target, lambda }
    }

    /// The cost of one `u_λ` (density) evaluation.
    fn density_cost(&self) -> EvalCounts {
        if self.lambda == 0.0 {
            EvalCounts::ZERO
        } else {
            EvalCounts::density(1).with_data_terms(self.target.data_terms())
        }
    }

    /// The cost of one `u_λ` and `∇u_λ` evaluation.
    fn gradient_cost(&self) -> EvalCounts {
        if self.lambda == 0.0 {
            EvalCounts::ZERO
        } else {
            EvalCounts::gradient(1).with_data_terms(self.target.data_terms())
        }
    }

    /// `u_λ(x)`; +∞ where the target's log density is not finite (NaN included),
    /// so that a Metropolis step rejects the point.
    pub fn energy(&self, x: &[f64], cost: &mut EvalCounts) -> f64 {
        let uz = prior_energy(x);
        if self.lambda == 0.0 {
            return uz;
        }
        *cost += self.density_cost();
        let lp = self.target.log_density(x);
        if !lp.is_finite() {
            return f64::INFINITY;
        }
        (1.0 - self.lambda) * uz - self.lambda * lp
    }

    /// `u_λ(x)` with `∇u_λ(x)` written into `grad`; +∞ (grad unspecified) where the
    /// target is not finite.
    pub fn energy_grad(&self, x: &[f64], grad: &mut [f64], cost: &mut EvalCounts) -> f64 {
        let uz = prior_energy(x);
        if self.lambda == 0.0 {
            grad.copy_from_slice(x);
            return uz;
        }
        *cost += self.gradient_cost();
        let lp = self.target.log_density_grad(x, grad);
        if !lp.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return f64::INFINITY;
        }
        let (a, l) = (1.0 - self.lambda, self.lambda);
        for (g, xv) in grad.iter_mut().zip(x) {
            *g = a * xv - l * *g;
        }
        a * uz - l * lp
    }
}

/// The force of `π_λ ∝ e^{−u_λ}` through the drift contract: the Langevin blocks
/// take any [`Drift`], and this is the one of the interpolated energy, with its
/// exact cost (nothing at λ = 0).
impl<T: GradTarget + ?Sized> Drift for Interpolated<'_, T> {
    type Workspace = ();

    fn drift_dim(&self) -> usize {
        self.target.dim()
    }

    fn drift_workspace(&self, _rng: &mut StreamRng) {}

    fn drift(&self, x: &[f64], _ws: &mut (), out: &mut [f64]) -> Result<DriftEval, Divergence> {
        let mut cost = EvalCounts::ZERO;
        let u = self.energy_grad(x, out, &mut cost);
        if !u.is_finite() {
            return Err(Divergence {
                reason: format!("u_λ = {u} at λ = {}", self.lambda),
            });
        }
        out.iter_mut().for_each(|g| *g = -*g);
        Ok(DriftEval {
            evaluations: cost,
            log_density: Some(-u),
            acceptance: None,
        })
    }

    fn drift_cost(&self) -> Option<EvalCounts> {
        Some(self.gradient_cost())
    }
}
