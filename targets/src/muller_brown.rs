//! The Müller–Brown potential (Müller & Brown, Theor. Chim. Acta 53, 1979): three
//! minima and two saddles in 2-D,
//! E(x, y) = s Σ_k A_k exp(a_k (x − x0_k)² + b_k (x − x0_k)(y − y0_k) + c_k (y − y0_k)²)
//! with the standard A = (−200, −100, −170, 15), a = (−1, −1, −6.5, 0.7),
//! b = (0, 0, 11, 0.6), c = (−10, −10, −6.5, 0.7), x0 = (1, 0, −0.5, −1),
//! y0 = (0, 0.5, 1.5, 1); log π = −E/T.
//!
//! **Scale.** s = 0.15 is bgflow's `MuellerPotential` default (its energy adds the
//! constant 0.15 · 146.7, which changes log Z by −22.005 and nothing else; its extra
//! dimensions, ½|v|² each, are not included: ours is the 2-D potential). At s = 1 the
//! raw potential's deepest well is ~40 units below the others and the density is
//! effectively one mode; at s = 0.15 the three wells hold visible mass.
//!
//! Reference samples and log Z by numerical integration on a fine grid
//! ([`crate::grid`]).

use crate::TargetError;
use crate::grid::{Grid2d, LazyGrid};
use sampo_core::rng::StreamRng;
use sampo_core::{ExactSampler, GradTarget, Target, validate};

const A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const AA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const BB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const CC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

/// bgflow's scale (module docs).
pub const BGFLOW_SCALE: f64 = 0.15;

/// The Müller–Brown target with scale s at temperature T (module docs).
#[derive(Debug, Clone)]
pub struct MullerBrown {
    scale: f64,
    beta: f64,
    grid: LazyGrid,
}

impl PartialEq for MullerBrown {
    fn eq(&self, other: &Self) -> bool {
        self.scale == other.scale && self.beta == other.beta
    }
}

impl MullerBrown {
    /// The potential scaled by `scale` > 0, at temperature 1.
    pub fn new(scale: f64) -> Result<Self, TargetError> {
        validate::positive("scale", scale)?;
        Ok(MullerBrown {
            scale,
            beta: 1.0,
            grid: LazyGrid::default(),
        })
    }

    /// bgflow's benchmark: s = 0.15, T = 1 (preset `muller-brown`).
    pub fn bgflow() -> Self {
        MullerBrown::new(BGFLOW_SCALE).expect("valid")
    }

    /// The same potential at temperature `t` > 0: log π = −E/t.
    pub fn with_temperature(self, t: f64) -> Result<Self, TargetError> {
        let t = validate::positive("temperature", t)?;
        Ok(MullerBrown {
            scale: self.scale,
            beta: 1.0 / t,
            grid: LazyGrid::default(),
        })
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

    /// The reference grid (built on first use; `None` only if it cannot be).
    pub fn grid(&self) -> Option<&Grid2d> {
        let k = self.beta * self.scale;
        self.grid.get(|| {
            Grid2d::build(
                "muller-brown",
                &|x, y| -k * Self::raw(x, y).0,
                (-1.8, 1.3),
                (-0.6, 2.2),
            )
        })
    }
}

impl Target for MullerBrown {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, p: &[f64]) -> f64 {
        -self.beta * self.energy(p)
    }
    fn log_z(&self) -> Option<f64> {
        self.grid().map(Grid2d::log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        self.grid().map(|_| self as &dyn ExactSampler)
    }
}

impl GradTarget for MullerBrown {
    fn log_density_grad(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (e, gx, gy) = Self::raw(p[0], p[1]);
        let k = self.beta * self.scale;
        grad[0] = -k * gx;
        grad[1] = -k * gy;
        -k * e
    }
}

impl ExactSampler for MullerBrown {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        self.grid()
            .expect("exact_sampler() is Some only with a grid")
            .sample(rng, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::integrate_2d;

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
        let hot = MullerBrown::new(0.5)
            .unwrap()
            .with_temperature(2.0)
            .unwrap();
        assert!((hot.log_density(&[0.0, 0.0]) - 0.25 * 48.40127417318389).abs() < 1e-12);
        assert!(MullerBrown::new(0.0).is_err());
        assert!(MullerBrown::bgflow().with_temperature(-1.0).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let t = MullerBrown::new(0.1)
            .unwrap()
            .with_temperature(0.8)
            .unwrap();
        for i in 0..30 {
            let p = [-1.5 + 0.09 * i as f64, -0.3 + 0.07 * i as f64];
            sampo_core::numdiff::check_gradient(&t, &p, 1e-6).unwrap();
        }
    }

    #[test]
    fn grid_log_z_agrees_with_the_midpoint_sum_and_a_wider_quadrature() {
        let t = MullerBrown::bgflow();
        let g = t.grid().expect("grid");
        // The midpoint rule on 1024² cells is O(h²) off the Gauss–Legendre value.
        assert!((g.log_z() - g.log_z_midpoint()).abs() < 1e-4, "{g:?}");
        // An independent quadrature on a box twice as wide, with other panels.
        let ((x0, x1), (y0, y1)) = g.bounds();
        let (wx, wy) = (x1 - x0, y1 - y0);
        let shift = 22.0; // ≈ −min E at s = 0.15, keeps e^{−E − shift} near 1
        let z = integrate_2d(
            |x, y| (t.log_density(&[x, y]) - shift).exp(),
            (x0 - 0.5 * wx, x1 + 0.5 * wx),
            (y0 - 0.5 * wy, y1 + 0.5 * wy),
            150,
            150,
        );
        assert!(
            (z.ln() + shift - g.log_z()).abs() < 1e-8,
            "{} vs {}",
            z.ln() + shift,
            g.log_z()
        );
        assert_eq!(t.log_z(), Some(g.log_z()));
    }

    #[test]
    fn grid_samples_hit_each_well_with_its_quadrature_probability() {
        // P(x > −0.3) (the two shallower wells) by quadrature; the fraction of
        // 20 000 grid draws must be within 4 binomial standard errors. At bgflow's
        // s = 0.15 that is ~0.6% of the mass, at s = 0.05 a third.
        for (scale, seed) in [(BGFLOW_SCALE, 11), (0.05, 12)] {
            let t = MullerBrown::new(scale).unwrap();
            let g = t.grid().expect("grid");
            let ((x0, x1), (y0, y1)) = g.bounds();
            let z = g.log_z();
            let p = integrate_2d(
                |x, y| (t.log_density(&[x, y]) - z).exp(),
                (-0.3, x1),
                (y0, y1),
                96,
                96,
            );
            assert!(p > 1e-3 && p < 0.999, "{p}");
            let n = 20_000;
            let draws = t.sample_exact_n(n, seed);
            let hits = draws.rows().filter(|r| r[0] > -0.3).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (hits - p).abs() < 4.0 * se,
                "s {scale}: {hits} vs {p} ± {se}"
            );
            assert!(
                draws
                    .rows()
                    .all(|r| r[0] >= x0 && r[0] <= x1 && r[1] >= y0 && r[1] <= y1)
            );
        }
    }
}
