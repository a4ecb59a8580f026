//! The inner target: the posterior of the clean point given a noisy one,
//!
//! ```text
//! q_t(x0 | x) ∝ π̃(x0) · N(x0; e^t x, (e^{2t} − 1) I)
//! log q_t(x0 | x) = log π̃(x0) − |x0 − e^t x|² / (2 (e^{2t} − 1))      (+ const)
//! ∇ log q_t(x0 | x) = ∇ log π̃(x0) − (x0 − e^t x) / (e^{2t} − 1)
//!                   = ∇ log π̃(x0) + a (x − a x0) / (1 − a²),   a = e^{−t}
//! ```
//!
//! (samplers-a §1.2: the OU likelihood `N(x; a x0, (1 − a²) I)`, read as a function
//! of x0, is exactly the Gaussian factor above.) Its Hessian is
//! `∇² log π̃ − I/(e^{2t} − 1)`: for small t it is strongly log-concave whatever the
//! target, which is why the inner chains are cheap near δ and their step sizes
//! scale with `e^{2t} − 1`.
//!
//! [`Posterior`] is a [`GradTarget`] over a borrowed target and a borrowed centre
//! `e^t x`, so that `sampo_langevin::{Ula, Mala}` run on it unchanged. Each of its
//! evaluations is one evaluation of the wrapped target (counted there).

use sampo_core::{GradTarget, Target};

/// `q_t(· | x)` over a borrowed target (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Posterior<'a, T: ?Sized> {
    target: &'a T,
    center: &'a [f64],
    /// `1 / (e^{2t} − 1)`.
    precision: f64,
}

/// `e^{2t} − 1`, the variance of the Gaussian factor, without cancellation at small t.
#[inline]
pub fn factor_variance(t: f64) -> f64 {
    (2.0 * t).exp_m1()
}

impl<'a, T: Target + ?Sized> Posterior<'a, T> {
    /// `q_t(· | x)` given the centre `e^t x` (caller memory, length d) and t > 0.
    pub fn new(target: &'a T, center: &'a [f64], t: f64) -> Self {
        debug_assert_eq!(center.len(), target.dim());
        Posterior {
            target,
            center,
            precision: 1.0 / factor_variance(t),
        }
    }

    /// The centre `e^t x` of the Gaussian factor.
    pub fn center(&self) -> &[f64] {
        self.center
    }

    /// `1 / (e^{2t} − 1)`.
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

impl<T: Target + ?Sized> Target for Posterior<'_, T> {
    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn log_density(&self, x0: &[f64]) -> f64 {
        self.target.log_density(x0) - self.half_sq_dist(x0)
    }
}

impl<T: GradTarget + ?Sized> GradTarget for Posterior<'_, T> {
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
        let q = Posterior::new(&Quartic, &c, t);
        let x0 = [0.7, -0.4];
        let mut g = [0.0; 2];
        let v = q.log_density_grad(&x0, &mut g);
        assert_eq!(v, q.log_density(&x0));
        for j in 0..2 {
            let h = 1e-6;
            let (mut p, mut m) = (x0, x0);
            p[j] += h;
            m[j] -= h;
            let fd = (q.log_density(&p) - q.log_density(&m)) / (2.0 * h);
            assert!((fd - g[j]).abs() < 1e-7, "{j}: {fd} vs {}", g[j]);
        }
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
