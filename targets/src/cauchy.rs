//! The multivariate standard Cauchy distribution (GPSS paper, Schär, Habeck & Rudolf
//! 2023, experiment `multivariate_std_Cauchy.ipynb`; `samplers-b.md` §1.5 E1).
//!
//! ```text
//! ϱ(x) = (1 + |x|²)^{−(d+1)/2},        ∇ log ϱ = −(d+1) x / (1 + |x|²)
//! log Z = ln Γ(1/2) + (d/2) ln π − ln Γ((d+1)/2)
//! ```
//! (the multivariate t with ν = 1 and scale I; each marginal is a standard Cauchy).
//! Exact draws: `x = z / |g|` with `z ~ N(0, I_d)` and `g ~ N(0, 1)` (so `g² ~ χ²₁`).

use crate::{TargetError, error::check_dim_param};
use sampo_core::rng::{StreamRng, fill_standard_normal, standard_normal};
use sampo_core::{ExactSampler, GradTarget, Target};
use statrs::function::gamma::ln_gamma;

/// The d-dimensional standard Cauchy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cauchy {
    d: usize,
    log_z: f64,
}

impl Cauchy {
    /// The standard Cauchy in dimension d ≥ 1.
    pub fn new(d: usize) -> Result<Self, TargetError> {
        check_dim_param("dim", d)?;
        let df = d as f64;
        let log_z =
            ln_gamma(0.5) + 0.5 * df * std::f64::consts::PI.ln() - ln_gamma(0.5 * (df + 1.0));
        Ok(Cauchy { d, log_z })
    }
}

impl Target for Cauchy {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let r2: f64 = x.iter().map(|v| v * v).sum();
        -0.5 * (self.d as f64 + 1.0) * r2.ln_1p()
    }
    fn log_z(&self) -> Option<f64> {
        Some(self.log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for Cauchy {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let r2: f64 = x.iter().map(|v| v * v).sum();
        let a = self.d as f64 + 1.0;
        let c = -a / (1.0 + r2);
        grad.iter_mut().zip(x).for_each(|(g, v)| *g = c * v);
        -0.5 * a * r2.ln_1p()
    }
}

impl ExactSampler for Cauchy {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        fill_standard_normal(rng, out);
        let g = standard_normal(rng).abs();
        out.iter_mut().for_each(|v| *v /= g);
    }
}
