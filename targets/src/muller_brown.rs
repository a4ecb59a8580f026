//! The Müller–Brown potential (Müller & Brown, Theor. Chim. Acta 53, 1979): three
//! minima and two saddles in 2-D,
//! E(x, y) = s Σ_k A_k exp(a_k (x − x0_k)² + b_k (x − x0_k)(y − y0_k) + c_k (y − y0_k)²)
//! with the standard A = (−200, −100, −170, 15), a = (−1, −1, −6.5, 0.7),
//! b = (0, 0, 11, 0.6), c = (−10, −10, −6.5, 0.7), x0 = (1, 0, −0.5, −1),
//! y0 = (0, 0.5, 1.5, 1); log π = −E. The scale s sets the temperature (s = 1 is
//! the raw potential, whose deepest well is ~40 units below the others: at s = 1
//! the density is effectively one mode). Which s matches bgflow's benchmark is not
//! checked yet, and there is no exact sampler or log Z yet (issue #17: a grid
//! reference), so it is a library type, not a preset.

use crate::TargetError;
use sampo_core::{GradTarget, Target, validate};

const A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const AA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const BB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const CC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

/// The Müller–Brown target with scale s (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MullerBrown {
    scale: f64,
}

impl MullerBrown {
    /// The potential scaled by `scale` > 0.
    pub fn new(scale: f64) -> Result<Self, TargetError> {
        validate::positive("scale", scale)?;
        Ok(MullerBrown { scale })
    }

    /// The unscaled energy and its gradient at (x, y).
    fn raw(x: f64, y: f64) -> (f64, f64, f64) {
        let (mut e, mut gx, mut gy) = (0.0, 0.0, 0.0);
        for k in 0..4 {
            let (dx, dy) = (x - X0[k], y - Y0[k]);
            let t = A[k] * (AA[k] * dx * dx + BB[k] * dx * dy + CC[k] * dy * dy).exp();
            e += t;
            gx += t * (2.0 * AA[k] * dx + BB[k] * dy);
            gy += t * (BB[k] * dx + 2.0 * CC[k] * dy);
        }
        (e, gx, gy)
    }

    /// The energy E(x, y) = s · (the standard potential).
    pub fn energy(&self, p: &[f64]) -> f64 {
        self.scale * Self::raw(p[0], p[1]).0
    }
}

impl Target for MullerBrown {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, p: &[f64]) -> f64 {
        -self.energy(p)
    }
}

impl GradTarget for MullerBrown {
    fn log_density_grad(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (e, gx, gy) = Self::raw(p[0], p[1]);
        grad[0] = -self.scale * gx;
        grad[1] = -self.scale * gy;
        -self.scale * e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Computed independently from the standard parameters (and quoted by the
        // string-method literature: E(0, 0) = −48.401274173183893).
        let t = MullerBrown::new(1.0).unwrap();
        assert!((t.energy(&[0.0, 0.0]) + 48.40127417318389).abs() < 1e-12);
        // Near the deepest minimum and the middle one.
        assert!((t.energy(&[-0.558, 1.442]) + 146.69948920058778).abs() < 1e-10);
        assert!((t.energy(&[0.623, 0.028]) + 108.16665005353302).abs() < 1e-10);
        let half = MullerBrown::new(0.5).unwrap();
        assert!((half.log_density(&[0.0, 0.0]) - 0.5 * 48.40127417318389).abs() < 1e-12);
        assert!(MullerBrown::new(0.0).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let t = MullerBrown::new(0.1).unwrap();
        for i in 0..30 {
            let p = [-1.5 + 0.09 * i as f64, -0.3 + 0.07 * i as f64];
            sampo_core::numdiff::check_gradient(&t, &p, 1e-6).unwrap();
        }
    }
}
