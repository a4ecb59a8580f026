//! One reverse-time step of `dY = (Y + 2 ∇log p_t(Y)) ds + √2 dW` with the score
//! `v ≈ ∇log p_t(Y)` frozen over the step of length η.
//!
//! - **Exponential integrator** (exact solution of the linear SDE with v fixed;
//!   samplers-a §1.3, ZOD-MC `get_exponential_integrator`):
//!   `Y' = e^η Y + 2 (e^η − 1) v + √(e^{2η} − 1) ξ`.
//! - **Euler–Maruyama**: `Y' = Y + η (Y + 2v) + √(2η) ξ`.
//!
//! (SLIPS's copy of the exponential step drops the factor 2 in front of
//! `(e^η − 1) v`; with it missing the N(0, I) chain below is not even stationary.)
//!
//! **Closed-form check.** On π = N(0, 1) every p_t is N(0, 1) and the exact score is
//! `v = −Y`. The exponential step becomes `Y' = (2 − e^η) Y + √(e^{2η} − 1) ξ`, an
//! AR(1) with stationary variance
//! `(e^{2η} − 1) / (1 − (2 − e^η)²) = (e^η + 1)/(3 − e^η) = 1 + η + O(η²)`
//! (stable for η < ln 3). Euler–Maruyama becomes `Y' = (1 − η) Y + √(2η) ξ` with
//! stationary variance `2η / (1 − (1 − η)²) = 2/(2 − η) = 1 + η/2 + O(η²)`
//! (stable for η < 2). See [`stationary_variance`].

use crate::config::Integrator;

/// Exponential-integrator step, in place: `y ← e^η y + 2(e^η − 1) v + √(e^{2η} − 1) ξ`.
#[inline]
pub fn exponential_step(y: &mut [f64], v: &[f64], eta: f64, xi: &[f64]) {
    let e = eta.exp();
    let drift = 2.0 * eta.exp_m1();
    let noise = (2.0 * eta).exp_m1().sqrt();
    for ((y, v), z) in y.iter_mut().zip(v).zip(xi) {
        *y = e * *y + drift * v + noise * z;
    }
}

/// Euler–Maruyama step, in place: `y ← y + η (y + 2v) + √(2η) ξ`.
#[inline]
pub fn euler_maruyama_step(y: &mut [f64], v: &[f64], eta: f64, xi: &[f64]) {
    let noise = (2.0 * eta).sqrt();
    for ((y, v), z) in y.iter_mut().zip(v).zip(xi) {
        *y += eta * (*y + 2.0 * v) + noise * z;
    }
}

impl Integrator {
    /// One step of this integrator (see the module docs).
    #[inline]
    pub fn step(&self, y: &mut [f64], v: &[f64], eta: f64, xi: &[f64]) {
        match self {
            Integrator::Exponential => exponential_step(y, v, eta, xi),
            Integrator::EulerMaruyama => euler_maruyama_step(y, v, eta, xi),
        }
    }
}

/// Stationary variance of the integrator run with the exact score `v = −y` on
/// N(0, 1) at a constant step η (module docs); `None` where the recursion is unstable.
pub fn stationary_variance(integrator: Integrator, eta: f64) -> Option<f64> {
    match integrator {
        Integrator::Exponential => {
            let e = eta.exp();
            (e < 3.0).then(|| (e + 1.0) / (3.0 - e))
        }
        Integrator::EulerMaruyama => (eta < 2.0).then(|| 2.0 / (2.0 - eta)),
    }
}
