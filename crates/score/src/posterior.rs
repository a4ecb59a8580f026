//! The target tilted by a Gaussian factor,
//!
//! ```text
//! q(x0) ∝ π̃(x0) · N(x0; c, v I)
//! log q(x0) = log π̃(x0) − |x0 − c|² / (2 v)        (+ const)
//! ∇ log q(x0) = ∇ log π̃(x0) − (x0 − c) / v
//! ```
//!
//! the posterior of a clean point `x0 ~ π` given a Gaussian observation of it. Its
//! mean is what every score estimator of this crate estimates:
//!
//! - rdMC and the OU/VP drifts: the OU marginal `p_t` observes `x = a x0 + √(1−a²) z`
//!   (a = e^{−t}); read as a function of x0 that likelihood is `N(x0; e^t x, (e^{2t}−1) I)`
//!   (samplers-a §1.2), so `c = e^t x`, `v = e^{2t} − 1`;
//! - walk-jump: m measurements `y_j = x0 + σ ε_j` observe x0 through their mean,
//!   `N(x0; ȳ, σ²/m I)` (samplers-a §2.2), so `c = ȳ`, `v = σ²/m`.
//!
//! Its Hessian is `∇² log π̃ − I/v`: for small v it is strongly log-concave whatever
//! the target, which is why inner chains on q are cheap there and their step sizes
//! scale with v. [`GaussianPosterior`] is a `GradTarget` over a borrowed target and
//! centre, so `sampo_langevin::{Ula, Mala}` run on it unchanged; each of its
//! evaluations is one evaluation of the wrapped target (counted there).

use sampo_core::{GradTarget, Target};

/// `q(· ) ∝ π̃ · N(c, v I)` over a borrowed target (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct GaussianPosterior<'a, T: ?Sized> {
    target: &'a T,
    center: &'a [f64],
    /// `1 / v`.
    precision: f64,
}

impl<'a, T: Target + ?Sized> GaussianPosterior<'a, T> {
    /// The posterior given the factor's centre `c` (caller memory, length d) and
    /// variance `v > 0`.
    pub fn new(target: &'a T, center: &'a [f64], variance: f64) -> Self {
        debug_assert_eq!(center.len(), target.dim());
        GaussianPosterior {
            target,
            center,
            precision: 1.0 / variance,
        }
    }

    /// The centre c of the Gaussian factor.
    pub fn center(&self) -> &[f64] {
        self.center
    }

    /// `1 / v`.
    pub fn precision(&self) -> f64 {
        self.precision
    }

    #[inline]
    fn half_sq_dist(&self, x0: &[f64]) -> f64 {
        0.5 * self.precision
            * x0.iter()
                .zip(self.center)
                .map(|(a, c)| (a - c) * (a - c))
                .sum::<f64>()
    }
}

impl<T: Target + ?Sized> Target for GaussianPosterior<'_, T> {
    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn log_density(&self, x0: &[f64]) -> f64 {
        self.target.log_density(x0) - self.half_sq_dist(x0)
    }

    fn data_terms(&self) -> u64 {
        self.target.data_terms()
    }
}

impl<T: GradTarget + ?Sized> GradTarget for GaussianPosterior<'_, T> {
    fn log_density_grad(&self, x0: &[f64], grad: &mut [f64]) -> f64 {
        let lp = self.target.log_density_grad(x0, grad);
        let p = self.precision;
        for ((g, a), c) in grad.iter_mut().zip(x0).zip(self.center) {
            *g -= p * (a - c);
        }
        lp - self.half_sq_dist(x0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quartic;
    impl Target for Quartic {
        fn dim(&self) -> usize {
            2
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            -0.25 * x[0].powi(4) - 0.5 * (x[1] - x[0]).powi(2)
        }
    }
    impl GradTarget for Quartic {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = -x[0].powi(3) + (x[1] - x[0]);
            g[1] = -(x[1] - x[0]);
            self.log_density(x)
        }
    }

    #[test]
    fn gradient_matches_finite_differences_and_the_ou_form() {
        let x = [0.3, -1.2];
        let t: f64 = 0.4;
        let c: Vec<f64> = x.iter().map(|v| v * t.exp()).collect();
        let q = GaussianPosterior::new(&Quartic, &c, (2.0 * t).exp_m1());
        let x0 = [0.7, -0.4];
        let mut g = [0.0; 2];
        let v = q.log_density_grad(&x0, &mut g);
        assert_eq!(v, q.log_density(&x0));
        sampo_core::numdiff::check_gradient(&q, &x0, 1e-7).unwrap();
        // ∇ log π̃(x0) + a (x − a x0)/(1 − a²), samplers-a §1.2.
        let a = (-t).exp();
        let mut gp = [0.0; 2];
        Quartic.log_density_grad(&x0, &mut gp);
        for j in 0..2 {
            let ou = gp[j] + a * (x[j] - a * x0[j]) / (1.0 - a * a);
            assert!((ou - g[j]).abs() < 1e-12);
        }
    }
}
