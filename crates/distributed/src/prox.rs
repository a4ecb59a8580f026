//! D-ADMMS's local proximal problem (samplers-b.md §3.3, step 2):
//!
//! `x⁺ = argmin_x F(x)`, `F(x) = f_i(x) + pᵀx + ρ Σ_{j∈P_i} ‖x − c_j‖²`,
//!
//! with centres `c_j = ½(x_i + x_j) − ξ_i`. Expanding the squares,
//! `∇F = ∇f_i + p + 2ρm x − 2ρ S` and `∇²F = ∇²f_i + 2ρm I`, with `m = |P_i|` and
//! `S = Σ_j c_j`. F is strongly convex whenever f_i is convex and m ≥ 1 (and f_i alone
//! is strongly convex through its prior share).
//!
//! - **Quadratic f_i** (`f_i = ½xᵀAx − bᵀx`, linear regression): the closed form
//!   `x⁺ = (A + 2ρm I)⁻¹ (b − p + 2ρS)`, factorized once per run; no data term is
//!   touched per iteration.
//! - **Otherwise** (logistic regression): a fixed number of Newton steps from the warm
//!   start x_i, each one gradient and one Hessian pass over the shard, so the cost is
//!   fixed by the config. A step with Newton decrement `λ = √(gᵀH⁻¹g) ≥ ¼` is damped
//!   by `1/(1 + λ)` (Nesterov 2004, §4.1.5: global convergence for self-concordant
//!   F); below ¼ it is a full step, in the region of quadratic convergence. The last
//!   step's λ is returned, so a caller can refuse an unconverged solve: the error
//!   after a full step from decrement λ is at most ~λ² in F's local norm.

// Index loops over coordinates mirror the update equations they implement.
#![allow(clippy::needless_range_loop)]

use crate::DistributedError;
use crate::shard::Shard;
use sampo_core::FiniteSumTarget;
use sampo_targets::linalg::Cholesky;

/// Decrement below which a Newton step is taken in full (module docs).
const FULL_STEP_DECREMENT: f64 = 0.25;

/// Scratch for [`newton`] (length d, d, d·d).
#[derive(Debug, Clone)]
pub struct NewtonScratch {
    grad: Vec<f64>,
    dir: Vec<f64>,
    hess: Vec<f64>,
}

impl NewtonScratch {
    /// Scratch for dimension d.
    pub fn new(d: usize) -> Self {
        NewtonScratch {
            grad: vec![0.0; d],
            dir: vec![0.0; d],
            hess: vec![0.0; d * d],
        }
    }
}

/// The closed form for a quadratic f_i: `x = chol⁻¹ (b − p + 2ρS)` with
/// `chol = A + 2ρm I` (module docs); `two_rho_s = 2ρS`.
pub fn quadratic(chol: &Cholesky, b: &[f64], p: &[f64], two_rho_s: &[f64], x: &mut [f64]) {
    for (((o, b), p), s) in x.iter_mut().zip(b).zip(p).zip(two_rho_s) {
        *o = b - p + s;
    }
    chol.solve_in_place(x);
}

/// `steps` Newton steps on F from the warm start in `x` (module docs); returns the
/// last step's decrement. `two_rho_m = 2ρm`, `two_rho_s = 2ρS`. Spends
/// `2 · steps · |shard|` data terms.
#[allow(clippy::too_many_arguments)]
pub fn newton<T: FiniteSumTarget + ?Sized>(
    shard: &Shard,
    t: &T,
    p: &[f64],
    two_rho_m: f64,
    two_rho_s: &[f64],
    steps: usize,
    x: &mut [f64],
    s: &mut NewtonScratch,
) -> Result<f64, DistributedError> {
    let d = x.len();
    let mut decrement = f64::INFINITY;
    for _ in 0..steps {
        shard.value_grad(t, x, &mut s.grad);
        for i in 0..d {
            s.grad[i] += p[i] + two_rho_m * x[i] - two_rho_s[i];
        }
        shard.hessian(t, x, &mut s.hess)?;
        for i in 0..d {
            s.hess[i * d + i] += two_rho_m;
        }
        let chol = Cholesky::new("the proximal Hessian", &s.hess, d)
            .map_err(|e| DistributedError::invalid("target", "Hessian", e.to_string()))?;
        s.dir.copy_from_slice(&s.grad);
        chol.solve_in_place(&mut s.dir);
        let lam2: f64 = s.grad.iter().zip(&s.dir).map(|(g, v)| g * v).sum();
        decrement = lam2.max(0.0).sqrt();
        let scale = if decrement < FULL_STEP_DECREMENT {
            1.0
        } else {
            1.0 / (1.0 + decrement)
        };
        for (xi, v) in x.iter_mut().zip(&s.dir) {
            *xi -= scale * v;
        }
    }
    Ok(decrement)
}
