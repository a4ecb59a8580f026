//! The modified Wolfe–Quapp potential of bgflow (`WolfeQuappLike`): four minima in
//! 2-D on rotated coordinates (u, v) = R(θ)(x, y),
//! u = cos θ x − sin θ y, v = sin θ x + cos θ y,
//! E = s (u⁴ + v⁴ − 2u² − 4v² + 2uv + 0.8u + 0.1v + 9.3),
//! defaults s = 2, θ = −0.15π; log π = −E/T. (The original Wolfe–Quapp surface has
//! uv and 0.3u where bgflow has 2uv and 0.8u; ours is bgflow's, factor 1, and the
//! constant 9.3 is kept so energies match bgflow's.) Reference samples and log Z on
//! a fine grid ([`crate::grid`]).

use crate::TargetError;
use crate::surface::{Potential2d, Surface};
use sampo_core::validate;

/// bgflow's default scale.
pub const BGFLOW_SCALE: f64 = 2.0;
/// bgflow's default rotation, −0.15π.
pub const BGFLOW_THETA: f64 = -0.15 * std::f64::consts::PI;

/// bgflow's modified Wolfe–Quapp potential (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WolfeQuappPotential {
    scale: f64,
    theta: f64,
}

/// The Wolfe–Quapp target: e^{−E/T} of [`WolfeQuappPotential`].
pub type WolfeQuapp = Surface<WolfeQuappPotential>;

impl Potential2d for WolfeQuappPotential {
    const NAME: &'static str = "wolfe-quapp";
    fn energy_grad(&self, x: f64, y: f64) -> (f64, f64, f64) {
        let (sn, cs) = self.theta.sin_cos();
        let u = cs * x - sn * y;
        let v = sn * x + cs * y;
        let e = u.powi(4) + v.powi(4) - 2.0 * u * u - 4.0 * v * v
            + 2.0 * u * v
            + 0.8 * u
            + 0.1 * v
            + 9.3;
        let du = 4.0 * u.powi(3) - 4.0 * u + 2.0 * v + 0.8;
        let dv = 4.0 * v.powi(3) - 8.0 * v + 2.0 * u + 0.1;
        let s = self.scale;
        (s * e, s * (du * cs + dv * sn), s * (-du * sn + dv * cs))
    }
    fn start_box(&self) -> ((f64, f64), (f64, f64)) {
        ((-2.5, 2.5), (-2.5, 2.5))
    }
}

impl WolfeQuapp {
    /// The potential with scale `scale` > 0 and rotation `theta` (radians), at T = t > 0.
    pub fn new(scale: f64, theta: f64, t: f64) -> Result<Self, TargetError> {
        validate::positive("scale", scale)?;
        validate::finite("theta", theta)?;
        Surface::of(WolfeQuappPotential { scale, theta }).with_temperature(t)
    }

    /// bgflow's defaults (preset `wolfe-quapp`). Every copy shares one reference
    /// grid, built once per process.
    pub fn bgflow() -> Self {
        static SHARED: std::sync::OnceLock<WolfeQuapp> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| WolfeQuapp::new(BGFLOW_SCALE, BGFLOW_THETA, 1.0).expect("valid"))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::Target;

    #[test]
    fn hand_computed_values() {
        // θ = 0: u = x, v = y. E(1, 0) = 1 − 2 + 0.8 + 9.3 = 9.1; E(0, 1) = 1 − 4 + 0.1 + 9.3.
        let t = WolfeQuapp::new(1.0, 0.0, 1.0).unwrap();
        assert!((t.energy(&[1.0, 0.0]) - 9.1).abs() < 1e-12);
        assert!((t.energy(&[0.0, 1.0]) - 6.4).abs() < 1e-12);
        // A rotation by θ of the point R(θ)ᵀ (1, 0) gives (u, v) = (1, 0).
        let w = WolfeQuapp::bgflow();
        let (s, c) = BGFLOW_THETA.sin_cos();
        assert!((w.energy(&[c, -s]) - 2.0 * 9.1).abs() < 1e-12);
        assert!((w.log_density(&[c, -s]) + 18.2).abs() < 1e-12);
        assert!(WolfeQuapp::new(0.0, 0.0, 1.0).is_err());
        assert!(WolfeQuapp::new(1.0, f64::NAN, 1.0).is_err());
        assert!(WolfeQuapp::new(1.0, 0.0, 0.0).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let t = WolfeQuapp::new(2.0, BGFLOW_THETA, 0.7).unwrap();
        for i in 0..30 {
            let p = [-2.0 + 0.13 * i as f64, 1.7 - 0.11 * i as f64];
            sampo_core::numdiff::check_gradient(&t, &p, 1e-6).unwrap();
        }
    }

    #[test]
    fn grid_log_z_agrees_with_the_midpoint_sum() {
        let g = WolfeQuapp::bgflow();
        let grid = g.grid().expect("grid");
        assert!(
            (grid.log_z() - grid.log_z_midpoint()).abs() < 1e-4,
            "{grid:?}"
        );
    }
}
