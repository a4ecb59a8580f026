//! The Müller–Brown potential (Müller & Brown, Theor. Chim. Acta 53, 1979): three
//! minima and two saddles in 2-D,
//! E(x, y) = s Σ_k A_k exp(a_k (x − x0_k)² + b_k (x − x0_k)(y − y0_k) + c_k (y − y0_k)²)
//! with the standard A = (−200, −100, −170, 15), a = (−1, −1, −6.5, 0.7),
//! b = (0, 0, 11, 0.6), c = (−10, −10, −6.5, 0.7), x0 = (1, 0, −0.5, −1),
//! y0 = (0, 0.5, 1.5, 1); log π = −E/T.
//!
//! **Scale.** s = 0.15 is bgflow's `MuellerPotential` default (its energy adds the
//! constant 0.15 · 146.7, which changes log Z by −22.005 and nothing else; its extra
//! dimensions, ½|v|² each, are not included: ours is the 2-D potential). Even at
//! s = 0.15 the deepest well (upper left) holds 99.4% of the mass (quadrature; the
//! two others share 0.6%, tested), so the benchmark is mostly about finding that
//! well from a start elsewhere; s = 0.05 (or `temperature = 3`) gives the other
//! wells a third of the mass.
//!
//! Reference samples and log Z by numerical integration on a fine grid
//! ([`crate::grid`]).

use crate::TargetError;
use crate::surface::{Potential2d, Surface};
use sampo_core::validate;

const A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const AA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const BB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const CC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

/// bgflow's scale (module docs).
pub const BGFLOW_SCALE: f64 = 0.15;

/// The Müller–Brown potential with scale s (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MullerBrownPotential {
    scale: f64,
}

/// The Müller–Brown target: e^{−E/T} of [`MullerBrownPotential`].
pub type MullerBrown = Surface<MullerBrownPotential>;

impl MullerBrownPotential {
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
}

impl Potential2d for MullerBrownPotential {
    const NAME: &'static str = "muller-brown";
    fn energy_grad(&self, x: f64, y: f64) -> (f64, f64, f64) {
        let (e, gx, gy) = Self::raw(x, y);
        (self.scale * e, self.scale * gx, self.scale * gy)
    }
    fn start_box(&self) -> ((f64, f64), (f64, f64)) {
        ((-1.8, 1.3), (-0.6, 2.2))
    }
}

impl MullerBrown {
    /// The potential scaled by `scale` > 0, at temperature 1.
    pub fn new(scale: f64) -> Result<Self, TargetError> {
        validate::positive("scale", scale)?;
        Ok(Surface::of(MullerBrownPotential { scale }))
    }

    /// bgflow's benchmark: s = 0.15, T = 1 (preset `muller-brown`). Every copy
    /// shares one reference grid, built once per process.
    pub fn bgflow() -> Self {
        static SHARED: std::sync::OnceLock<MullerBrown> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| MullerBrown::new(BGFLOW_SCALE).expect("valid"))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::integrate_2d;
    use sampo_core::{ExactSampler, Target};

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
    fn a_surface_too_cold_for_the_grid_has_no_reference_rather_than_a_wrong_one() {
        let cold = MullerBrown::bgflow().with_temperature(1e-4).unwrap();
        assert!(cold.grid().is_none());
        assert!(cold.exact_sampler().is_none() && cold.log_z().is_none());
        assert!(cold.log_density(&[-0.558, 1.442]).is_finite());
        let why = crate::grid::Grid2d::build(
            "muller-brown",
            &|x, y| cold.log_density(&[x, y]),
            (-1.8, 1.3),
            (-0.6, 2.2),
        )
        .unwrap_err()
        .to_string();
        assert!(why.contains("does not resolve the wells"), "{why}");
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

#[cfg(test)]
mod golden {
    use super::*;
    use sampo_core::Target;

    /// Pinned log Z of the presets: a change of the potentials, the box search or
    /// the quadrature shows here. Values from this code (Gauss–Legendre, 96² panels).
    #[test]
    fn pinned_log_z() {
        let mb = MullerBrown::bgflow().log_z().unwrap();
        let wq = crate::WolfeQuapp::bgflow().log_z().unwrap();
        println!("muller-brown {mb:.12} wolfe-quapp {wq:.12}");
        assert!((mb - MB_LOG_Z).abs() < 1e-9, "{mb}");
        assert!((wq - WQ_LOG_Z).abs() < 1e-9, "{wq}");
    }

    const MB_LOG_Z: f64 = 18.615439458370;
    const WQ_LOG_Z: f64 = -1.751561874824;
}
