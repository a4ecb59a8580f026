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
//! - **Otherwise** (logistic regression): Newton's method from the warm start x_i,
//!   each step one gradient and one Hessian pass over the shard. A step with Newton
//!   decrement `λ = √(gᵀH⁻¹g) ≥ ¼` is damped by `1/(1 + λ)` (Nesterov 2004, §4.1.5:
//!   global convergence for self-concordant F, with no function evaluations); below
//!   ¼ it is a full step, in the region of quadratic convergence. The solve stops
//!   after the step whose decrement is below [`TOLERANCE`] (the error after it is
//!   ~λ², far below any noise scale) and fails if `max_steps` steps do not get there.
//!   The cost therefore depends on the data and the iterate; every pass is counted.

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

/// Newton decrement at which a solve stops (module docs).
pub const TOLERANCE: f64 = 1e-9;

/// The outcome of a Newton solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solve {
    /// The decrement of the last step.
    pub decrement: f64,
    /// Steps taken (each a gradient and a Hessian pass over the shard).
    pub steps: usize,
}

impl Solve {
    /// Whether the last decrement is below [`TOLERANCE`].
    pub fn converged(&self) -> bool {
        self.decrement < TOLERANCE
    }
}

/// Newton's method on F from the warm start in `x` (module docs), at most
/// `max_steps` steps. `two_rho_m = 2ρm`, `two_rho_s = 2ρS`.
#[allow(clippy::too_many_arguments)]
pub fn newton<T: FiniteSumTarget + ?Sized>(
    shard: &Shard,
    t: &T,
    p: &[f64],
    two_rho_m: f64,
    two_rho_s: &[f64],
    max_steps: usize,
    x: &mut [f64],
    s: &mut NewtonScratch,
) -> Result<Solve, DistributedError> {
    let d = x.len();
    newton_with(max_steps, x, s, |x, grad, hess| {
        shard.value_grad(t, x, grad);
        for i in 0..d {
            grad[i] += p[i] + two_rho_m * x[i] - two_rho_s[i];
        }
        shard.hessian(t, x, hess)?;
        for i in 0..d {
            hess[i * d + i] += two_rho_m;
        }
        Ok(())
    })
}

/// The damped Newton iteration of [`newton`] (module docs) on any strongly convex
/// F: `eval(x, grad, hess)` writes `∇F(x)` and `∇²F(x)` (row-major). Used where the
/// gradient and Hessian are sums over shards on several processes (FSGLD's global
/// mode), so that every process takes the same steps.
pub fn newton_with(
    max_steps: usize,
    x: &mut [f64],
    s: &mut NewtonScratch,
    mut eval: impl FnMut(&[f64], &mut [f64], &mut [f64]) -> Result<(), DistributedError>,
) -> Result<Solve, DistributedError> {
    let d = x.len();
    let mut out = Solve {
        decrement: f64::INFINITY,
        steps: 0,
    };
    while out.steps < max_steps && !out.converged() {
        eval(x, &mut s.grad, &mut s.hess)?;
        let chol = Cholesky::new("the proximal Hessian", &s.hess, d)
            .map_err(|e| DistributedError::invalid("target", "Hessian", e.to_string()))?;
        s.dir.copy_from_slice(&s.grad);
        chol.solve_in_place(&mut s.dir);
        let lam2: f64 = s.grad.iter().zip(&s.dir).map(|(g, v)| g * v).sum();
        out.decrement = lam2.max(0.0).sqrt();
        out.steps += 1;
        let scale = if out.decrement < FULL_STEP_DECREMENT {
            1.0
        } else {
            1.0 / (1.0 + out.decrement)
        };
        for (xi, v) in x.iter_mut().zip(&s.dir) {
            *xi -= scale * v;
        }
    }
    Ok(out)
}
