//! The hyperplane disk (GPSS paper, `hyperplane_disk.ipynb`; `samplers-b.md` §1.5 E2).
//!
//! ```text
//! log ϱ(x) = −|x|² − (Σ_i x_i)² = −½ xᵀ A x,   A = 2 (I + 1 1ᵀ)
//! ∇ log ϱ(x) = −2 x − 2 (Σ_i x_i) 1
//! ```
//! A zero-mean Gaussian with precision A. By Sherman–Morrison its covariance is
//! `Σ = A⁻¹ = ½ (I − 1 1ᵀ/(d+1))` and `det A = 2^d (1 + d)`, so
//! ```text
//! log Z = (d/2) ln 2π − ½ ln det A = (d/2) ln π − ½ ln(d + 1).
//! ```
//! Exact draws: `x = Σ^{1/2} z = (z − c (Σ_i z_i) 1)/√2` with `c = (1 − 1/√(d+1))/d`,
//! since `(I − c 1 1ᵀ)² = I − (2c − c² d) 1 1ᵀ` equals `I − 1 1ᵀ/(d+1)` for this c.
//! Each coordinate has variance `d / (2(d+1))`; the sum `Σ x_i` has variance
//! `1ᵀ Σ 1 = d / (2(d+1))` as well.

use crate::{TargetError, error::check_dim_param};
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ExactSampler, GradTarget, Target};

/// The hyperplane disk in dimension d.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HyperplaneDisk {
    d: usize,
}

impl HyperplaneDisk {
    /// The hyperplane disk in dimension d ≥ 1.
    pub fn new(d: usize) -> Result<Self, TargetError> {
        check_dim_param("dim", d)?;
        Ok(HyperplaneDisk { d })
    }

    /// Variance of each coordinate (and of the coordinate sum): `d / (2(d+1))`.
    pub fn marginal_variance(&self) -> f64 {
        let d = self.d as f64;
        d / (2.0 * (d + 1.0))
    }
}

impl Target for HyperplaneDisk {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let (mut ss, mut s) = (0.0, 0.0);
        for v in x {
            ss += v * v;
            s += v;
        }
        -ss - s * s
    }
    fn log_z(&self) -> Option<f64> {
        let d = self.d as f64;
        Some(0.5 * d * std::f64::consts::PI.ln() - 0.5 * (d + 1.0).ln())
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for HyperplaneDisk {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (mut ss, mut s) = (0.0, 0.0);
        for v in x {
            ss += v * v;
            s += v;
        }
        grad.iter_mut()
            .zip(x)
            .for_each(|(g, v)| *g = -2.0 * v - 2.0 * s);
        -ss - s * s
    }
}

impl ExactSampler for HyperplaneDisk {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        fill_standard_normal(rng, out);
        let d = self.d as f64;
        let c = (1.0 - 1.0 / (d + 1.0).sqrt()) / d;
        let s: f64 = out.iter().sum();
        let r = std::f64::consts::FRAC_1_SQRT_2;
        out.iter_mut().for_each(|v| *v = (*v - c * s) * r);
    }
}
