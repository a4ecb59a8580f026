//! Central finite differences, for checking analytic gradients.
//!
//! `∂_j f(x) ≈ (f(x + h e_j) − f(x − h e_j)) / 2h` with `h = 1e-5 (1 + |x_j|)`: the
//! truncation error is `h² f'''/6` and the rounding error about `ε |f| / h`, so the
//! check below allows `rtol (1 + |g_j|)` plus ten times the rounding error.

use crate::GradTarget;

/// Relative step of the central difference (balances h² truncation against ε/h
/// rounding for f64: the optimum is near ε^{1/3} ≈ 6e-6).
const REL_STEP: f64 = 1e-5;

/// The central-difference gradient of `target.log_density` at `x`.
pub fn central_gradient(target: &(impl GradTarget + ?Sized), x: &[f64]) -> Vec<f64> {
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|j| {
            let h = REL_STEP * (1.0 + x[j].abs());
            xp[j] = x[j] + h;
            let fp = target.log_density(&xp);
            xp[j] = x[j] - h;
            let fm = target.log_density(&xp);
            xp[j] = x[j];
            (fp - fm) / (2.0 * h)
        })
        .collect()
}

/// Compares the analytic gradient (and value) at `x` with central differences.
/// Returns a message naming the first coordinate that disagrees.
pub fn check_gradient(
    target: &(impl GradTarget + ?Sized),
    x: &[f64],
    rtol: f64,
) -> Result<(), String> {
    let d = target.dim();
    let mut g = vec![0.0; d];
    let f = target.log_density_grad(x, &mut g);
    let f0 = target.log_density(x);
    if !f.is_finite() {
        return Ok(()); // outside the support: nothing to compare
    }
    if (f - f0).abs() > 1e-12 * (1.0 + f0.abs()) {
        return Err(format!(
            "fused value {f} differs from log_density {f0} at {x:?}"
        ));
    }
    let fd = central_gradient(target, x);
    for j in 0..d {
        let h = REL_STEP * (1.0 + x[j].abs());
        let rounding = 10.0 * f64::EPSILON * (1.0 + f.abs()) / h;
        let tol = rtol * (1.0 + g[j].abs()) + rounding;
        let err = (g[j] - fd[j]).abs();
        if err.is_nan() || err > tol {
            return Err(format!(
                "gradient[{j}] = {} but finite difference = {} (tol {tol:e}) at x = {x:?}",
                g[j], fd[j]
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Target;

    struct Rosen;
    impl Target for Rosen {
        fn dim(&self) -> usize {
            2
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            -((1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2))
        }
    }
    impl GradTarget for Rosen {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let t = x[1] - x[0] * x[0];
            g[0] = 2.0 * (1.0 - x[0]) + 400.0 * x[0] * t;
            g[1] = -200.0 * t;
            self.log_density(x)
        }
    }
    struct WrongRosen;
    impl Target for WrongRosen {
        fn dim(&self) -> usize {
            2
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            Rosen.log_density(x)
        }
    }
    impl GradTarget for WrongRosen {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let v = Rosen.log_density_grad(x, g);
            g[1] *= 1.001; // a 0.1% error must be caught
            v
        }
    }

    #[test]
    fn accepts_right_and_rejects_wrong_gradients() {
        for x in [[0.3, -0.7], [1.5, 2.0], [-2.0, 4.5]] {
            check_gradient(&Rosen, &x, 1e-6).unwrap();
            assert!(check_gradient(&WrongRosen, &x, 1e-6).is_err());
        }
    }
}
