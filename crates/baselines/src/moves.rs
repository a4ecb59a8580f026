//! Metropolis moves at one temperature of the path, on particles that cache the
//! target's log density and gradient separately from the reference's:
//!
//! - **MALA** (BlackJAX convention, as `sampo_langevin::Mala`): `y = x + h g_β(x) +
//!   √(2h) ξ` with `g_β = (1 − β)∇log ref + β∇log π̃`, accepted with probability
//!   `min(1, π_β(y) q(x|y) / (π_β(x) q(y|x)))`, `log q(y|x) = −|y − x − h g_β(x)|²/(4h)`;
//!   one fused evaluation of the target per move.
//! - **Random-walk Metropolis** (for gradient-free budgets): `y = x + √h ξ`, accepted
//!   with probability `min(1, π_β(y)/π_β(x))`; one density evaluation per move.
//!
//! Why not `sampo_langevin::Mala` on a tempered `GradTarget`: its state caches
//! `log π_β` and `∇log π_β` for one β. The samplers here change β every stage and need
//! `ℓ = log π̃ − log ref` at every particle for their weights and swaps; with the
//! components cached, a new β costs nothing, where the Langevin kernel would need one
//! more evaluation per particle and stage to rebuild its state (10–20 % more with the
//! default 5–10 moves per stage).
//!
//! A proposal with a non-finite position, log density or gradient is rejected
//! (acceptance 0), as in the Langevin kernels. RNG use per move: d normals, then one
//! uniform.

use crate::path::{Reference, tempered};
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{GradTarget, Target};
use serde::{Deserialize, Serialize};

/// One particle of a tempered sampler.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Particle {
    /// Position.
    pub x: Vec<f64>,
    /// `log π̃(x)`.
    pub lt: f64,
    /// `log ref(x)`.
    pub lr: f64,
    /// `∇log π̃(x)` (empty for gradient-free moves).
    pub grad: Vec<f64>,
}

impl Particle {
    /// `ℓ = log π̃ − log ref`, the log incremental weight per unit of β.
    #[inline]
    pub fn ell(&self) -> f64 {
        self.lt - self.lr
    }
}

/// The Metropolis move of a tempered sampler.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Metropolis-adjusted Langevin (needs the gradient). Default.
    #[default]
    Mala,
    /// Random-walk Metropolis (density only).
    Rwm,
}

impl Move {
    /// The acceptance rate the step size adapts towards: 0.574 for MALA, 0.234 for
    /// random-walk Metropolis (Roberts & Rosenthal 2001's optimal scaling rates).
    pub fn target_acceptance(self) -> f64 {
        match self {
            Move::Mala => 0.574,
            Move::Rwm => 0.234,
        }
    }
}

/// Scratch of one move (proposal and its gradient), reused across moves.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    y: Vec<f64>,
    gy: Vec<f64>,
    gx_b: Vec<f64>,
}

/// The reference's and the target's parts of a particle at a new position.
#[inline]
fn finite(v: &[f64]) -> bool {
    v.iter().all(|a| a.is_finite())
}

/// Builds a particle at `x`, evaluating the target once (with its gradient when
/// `with_grad`).
pub fn particle_at<T: GradTarget + ?Sized>(
    target: &T,
    reference: &Reference,
    x: Vec<f64>,
    with_grad: bool,
) -> Particle {
    let lr = reference.log_density(&x);
    if with_grad {
        let mut grad = vec![0.0; x.len()];
        let lt = target.log_density_grad(&x, &mut grad);
        Particle { x, lt, lr, grad }
    } else {
        let lt = target.log_density(&x);
        Particle {
            x,
            lt,
            lr,
            grad: Vec::new(),
        }
    }
}

/// Builds a particle at `x` on a density-only target.
pub fn particle_at_density<T: Target + ?Sized>(
    target: &T,
    reference: &Reference,
    x: Vec<f64>,
) -> Particle {
    let lr = reference.log_density(&x);
    let lt = target.log_density(&x);
    Particle {
        x,
        lt,
        lr,
        grad: Vec::new(),
    }
}

/// `g_β = (1 − β)∇log ref + β∇log π̃` of a point into `out`.
#[inline]
fn tempered_grad(reference: &Reference, beta: f64, x: &[f64], g_target: &[f64], out: &mut [f64]) {
    for (o, g) in out.iter_mut().zip(g_target) {
        *o = beta * g;
    }
    reference.add_grad(x, 1.0 - beta, out);
}

/// One MALA move of `p` at β with step `h`; returns the acceptance probability.
pub fn mala<T: GradTarget + ?Sized>(
    target: &T,
    reference: &Reference,
    beta: f64,
    h: f64,
    p: &mut Particle,
    rng: &mut StreamRng,
    s: &mut Scratch,
) -> f64 {
    let d = p.x.len();
    s.y.resize(d, 0.0);
    s.gy.resize(d, 0.0);
    s.gx_b.resize(d, 0.0);
    tempered_grad(reference, beta, &p.x, &p.grad, &mut s.gx_b);
    let noise = (2.0 * h).sqrt();
    fill_standard_normal(rng, &mut s.y);
    let mut xi_sq = 0.0;
    for ((y, &x), &g) in s.y.iter_mut().zip(&p.x).zip(&s.gx_b) {
        let z = *y;
        xi_sq += z * z;
        *y = x + h * g + noise * z;
    }
    let u = uniform(rng);
    if !finite(&s.y) {
        return 0.0;
    }
    let lt = target.log_density_grad(&s.y, &mut s.gy);
    let lr = reference.log_density(&s.y);
    if !lt.is_finite() || !finite(&s.gy) {
        return 0.0;
    }
    // log q(x|y) with g_β(y) (reusing gx_b as scratch for g_β(y)).
    let gy_t = &mut s.gx_b;
    tempered_grad(reference, beta, &s.y, &s.gy, gy_t);
    let mut r_sq = 0.0;
    for ((&x, &y), &g) in p.x.iter().zip(&s.y).zip(gy_t.iter()) {
        let r = x - y - h * g;
        r_sq += r * r;
    }
    let log_alpha =
        tempered(beta, lt, lr) - tempered(beta, p.lt, p.lr) - r_sq / (4.0 * h) + 0.5 * xi_sq;
    let a = if log_alpha >= 0.0 {
        1.0
    } else if log_alpha.is_nan() {
        0.0
    } else {
        log_alpha.exp()
    };
    if u < a {
        std::mem::swap(&mut p.x, &mut s.y);
        std::mem::swap(&mut p.grad, &mut s.gy);
        p.lt = lt;
        p.lr = lr;
    }
    a
}

/// One random-walk Metropolis move of `p` at β with proposal variance `h`; returns
/// the acceptance probability.
pub fn rwm<T: Target + ?Sized>(
    target: &T,
    reference: &Reference,
    beta: f64,
    h: f64,
    p: &mut Particle,
    rng: &mut StreamRng,
    s: &mut Scratch,
) -> f64 {
    let d = p.x.len();
    s.y.resize(d, 0.0);
    fill_standard_normal(rng, &mut s.y);
    let sd = h.sqrt();
    for (y, &x) in s.y.iter_mut().zip(&p.x) {
        *y = x + sd * *y;
    }
    let u = uniform(rng);
    if !finite(&s.y) {
        return 0.0;
    }
    let lt = target.log_density(&s.y);
    let lr = reference.log_density(&s.y);
    let log_alpha = tempered(beta, lt, lr) - tempered(beta, p.lt, p.lr);
    let a = if log_alpha >= 0.0 {
        1.0
    } else if log_alpha.is_nan() {
        0.0
    } else {
        log_alpha.exp()
    };
    if u < a {
        std::mem::swap(&mut p.x, &mut s.y);
        p.lt = lt;
        p.lr = lr;
    }
    a
}
