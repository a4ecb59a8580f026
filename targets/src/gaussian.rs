//! The Gaussian target N(μ, Σ), normalized (`log Z = 0`).
//!
//! ```text
//! log p(x) = −½ (x−μ)ᵀ Σ⁻¹ (x−μ) − ½ log det Σ − (d/2) log 2π
//! ∇ log p(x) = −Σ⁻¹ (x−μ)
//! ```
//! Σ is stored as a scalar (isotropic), a diagonal or a full matrix; a full Σ is
//! factorized once (Cholesky, `linalg.rs`) and its precision Σ⁻¹ kept, so that an
//! evaluation needs no scratch memory. Exact draws are `μ + L z` with `Σ = L Lᵀ`.

use crate::TargetError;
use crate::linalg::{Cholesky, quad_form_centered};
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ExactSampler, GradTarget, Target, validate};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A covariance matrix in the cheapest form that represents it.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariance {
    /// `σ² I`, holding σ².
    Isotropic(f64),
    /// `diag(σ_1², …, σ_d²)`, holding the variances.
    Diagonal(Vec<f64>),
    /// A full SPD matrix, held as its Cholesky factor and its inverse.
    Full {
        /// `Σ = L Lᵀ`.
        chol: Cholesky,
        /// `Σ⁻¹`, row-major.
        precision: Vec<f64>,
    },
}

impl Covariance {
    /// `σ² I` after checking σ² > 0 (`name` is the config field).
    pub fn isotropic(name: &str, var: f64) -> Result<Self, TargetError> {
        Ok(Covariance::Isotropic(validate::positive(name, var)?))
    }

    /// A diagonal covariance from its variances.
    pub fn diagonal(name: &str, vars: Vec<f64>) -> Result<Self, TargetError> {
        for (i, v) in vars.iter().enumerate() {
            validate::positive(&format!("{name}[{i}]"), *v)?;
        }
        Ok(Covariance::Diagonal(vars))
    }

    /// A full covariance (row-major d × d), factorized and checked SPD.
    pub fn full(name: &str, cov: &[f64], d: usize) -> Result<Self, TargetError> {
        let chol = Cholesky::new(name, cov, d)?;
        let precision = chol.inverse();
        Ok(Covariance::Full { chol, precision })
    }

    /// `log det Σ` in dimension d.
    pub fn log_det(&self, d: usize) -> f64 {
        match self {
            Covariance::Isotropic(v) => d as f64 * v.ln(),
            Covariance::Diagonal(v) => v.iter().map(|v| v.ln()).sum(),
            Covariance::Full { chol, .. } => chol.log_det(),
        }
    }

    /// The variance of coordinate i, `Σ_ii`.
    pub fn variance(&self, i: usize) -> f64 {
        match self {
            Covariance::Isotropic(v) => *v,
            Covariance::Diagonal(v) => v[i],
            Covariance::Full { chol, .. } => {
                let d = chol.dim();
                let l = chol.factor();
                (0..=i).map(|k| l[i * d + k] * l[i * d + k]).sum()
            }
        }
    }

    /// The dimension this covariance fixes, if any (isotropic fits every d).
    pub fn fixed_dim(&self) -> Option<usize> {
        match self {
            Covariance::Isotropic(_) => None,
            Covariance::Diagonal(v) => Some(v.len()),
            Covariance::Full { chol, .. } => Some(chol.dim()),
        }
    }

    /// The whitening map `W` (row-major d × d, lower triangular) with `Σ⁻¹ = Wᵀ W`, so
    /// that `(x−μ)ᵀ Σ⁻¹ (x−μ) = |W (x−μ)|²`: `1/σ · I` (isotropic), `diag(1/σ_j)`
    /// (diagonal), `L⁻¹` for `Σ = L Lᵀ` (full).
    pub fn whitening(&self, d: usize) -> Vec<f64> {
        match self {
            Covariance::Full { chol, .. } => chol.inverse_factor(),
            _ => {
                let mut w = vec![0.0; d * d];
                for j in 0..d {
                    w[j * d + j] = 1.0 / self.variance(j).sqrt();
                }
                w
            }
        }
    }

    /// The covariance `a² Σ + (1 − a²) I` of `a X + √(1 − a²) Z` for `X ~ N(·, Σ)`,
    /// Z ~ N(0, I) independent (the Ornstein–Uhlenbeck marginal at `a = e^{−t}`); keeps
    /// the isotropic / diagonal / full kind. `a` must lie in [0, 1].
    pub fn ou_blend(&self, a: f64, d: usize) -> Self {
        self.blend(a * a, 1.0 - a * a, d)
    }

    /// `Σ + s² I`: the covariance of `X + s Z` for `X ~ N(μ, Σ)`, `Z ~ N(0, I)` (the
    /// Gaussian smoothing of walk-jump sampling). `s² ≥ 0`.
    pub fn plus_isotropic(&self, s2: f64, d: usize) -> Self {
        self.blend(1.0, s2, d)
    }

    /// `a2 Σ + b2 I` for `a2, b2 ≥ 0`, not both 0.
    fn blend(&self, a2: f64, b2: f64, d: usize) -> Self {
        match self {
            Covariance::Isotropic(v) => Covariance::Isotropic(a2 * v + b2),
            Covariance::Diagonal(v) => {
                Covariance::Diagonal(v.iter().map(|v| a2 * v + b2).collect())
            }
            Covariance::Full { chol, .. } => {
                let l = chol.factor();
                let mut m = vec![0.0; d * d];
                for i in 0..d {
                    for j in 0..d {
                        let lij: f64 = (0..=i.min(j)).map(|k| l[i * d + k] * l[j * d + k]).sum();
                        m[i * d + j] = a2 * lij + if i == j { b2 } else { 0.0 };
                    }
                }
                Covariance::full("blend", &m, d)
                    .expect("a2 Σ + b2 I is SPD for SPD Σ, a2, b2 >= 0 not both 0")
            }
        }
    }

    /// The precision `Σ⁻¹`, row-major d × d.
    pub fn precision(&self, d: usize) -> Vec<f64> {
        match self {
            Covariance::Full { precision, .. } => precision.clone(),
            _ => {
                let mut p = vec![0.0; d * d];
                for j in 0..d {
                    p[j * d + j] = 1.0 / self.variance(j);
                }
                p
            }
        }
    }

    /// Mahalanobis `(x−μ)ᵀ Σ⁻¹ (x−μ)`.
    #[inline]
    pub fn mahalanobis(&self, x: &[f64], mu: &[f64]) -> f64 {
        match self {
            Covariance::Isotropic(v) => {
                x.iter()
                    .zip(mu)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    / v
            }
            Covariance::Diagonal(v) => x
                .iter()
                .zip(mu)
                .zip(v)
                .map(|((a, b), v)| (a - b) * (a - b) / v)
                .sum(),
            Covariance::Full { precision, .. } => quad_form_centered(precision, x, mu),
        }
    }

    /// Writes `coef · Σ⁻¹ (μ − x)` added into `acc`.
    #[inline]
    pub(crate) fn add_scaled_score(&self, coef: f64, x: &[f64], mu: &[f64], acc: &mut [f64]) {
        match self {
            Covariance::Isotropic(v) => {
                let c = coef / v;
                for ((g, a), m) in acc.iter_mut().zip(x).zip(mu) {
                    *g += c * (m - a);
                }
            }
            Covariance::Diagonal(v) => {
                for (((g, a), m), v) in acc.iter_mut().zip(x).zip(mu).zip(v) {
                    *g += coef * (m - a) / v;
                }
            }
            Covariance::Full { precision, .. } => {
                let d = x.len();
                for (i, g) in acc.iter_mut().enumerate() {
                    let row = &precision[i * d..(i + 1) * d];
                    let mut s = 0.0;
                    for j in 0..d {
                        s += row[j] * (mu[j] - x[j]);
                    }
                    *g += coef * s;
                }
            }
        }
    }

    /// Replaces a standard normal vector `z` by `Σ^{1/2} z` (`L z` for a full Σ).
    pub fn scale_standard_normal(&self, z: &mut [f64]) {
        match self {
            Covariance::Isotropic(v) => {
                let s = v.sqrt();
                z.iter_mut().for_each(|t| *t *= s);
            }
            Covariance::Diagonal(v) => z.iter_mut().zip(v).for_each(|(t, v)| *t *= v.sqrt()),
            Covariance::Full { chol, .. } => chol.mul_lower_in_place(z),
        }
    }
}

/// The normalized Gaussian N(μ, Σ).
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    mean: Vec<f64>,
    cov: Covariance,
    /// `−½ log det Σ − (d/2) log 2π`.
    log_norm: f64,
}

impl Gaussian {
    /// N(μ, Σ) from a mean and a covariance; the dimensions must agree.
    pub fn new(mean: Vec<f64>, cov: Covariance) -> Result<Self, TargetError> {
        let d = crate::error::check_dim_param("mean (dimension)", mean.len())?;
        validate::all_finite("mean", &mean)?;
        if let Some(dc) = cov.fixed_dim()
            && dc != d
        {
            return Err(TargetError::dim("covariance vs mean dimension", d, dc));
        }
        let log_norm = -0.5 * cov.log_det(d) - 0.5 * d as f64 * LN_2PI;
        Ok(Gaussian {
            mean,
            cov,
            log_norm,
        })
    }

    /// The standard normal N(0, I_d) (preset `gauss-<d>`).
    pub fn standard(d: usize) -> Result<Self, TargetError> {
        crate::error::check_dim_param("d", d)?;
        Gaussian::new(vec![0.0; d], Covariance::Isotropic(1.0))
    }

    /// N(μ, Σ) with a full row-major covariance, checked SPD.
    pub fn with_full_cov(mean: Vec<f64>, cov: &[f64]) -> Result<Self, TargetError> {
        let d = mean.len();
        Gaussian::new(mean, Covariance::full("cov", cov, d)?)
    }

    /// The mean μ.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The covariance Σ.
    pub fn covariance(&self) -> &Covariance {
        &self.cov
    }
}

impl Target for Gaussian {
    fn dim(&self) -> usize {
        self.mean.len()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.log_norm - 0.5 * self.cov.mahalanobis(x, &self.mean)
    }
    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
    fn smoothable(&self) -> Option<&dyn sampo_core::Smoothable> {
        Some(self)
    }
}

impl GradTarget for Gaussian {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        self.cov.add_scaled_score(1.0, x, &self.mean, grad);
        // For every form, (x−μ)ᵀ Σ⁻¹ (x−μ) = −(x−μ)·grad.
        let q: f64 = x
            .iter()
            .zip(&self.mean)
            .zip(grad.iter())
            .map(|((a, m), g)| (a - m) * g)
            .sum();
        self.log_norm + 0.5 * q
    }
}

impl ExactSampler for Gaussian {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        fill_standard_normal(rng, out);
        self.cov.scale_standard_normal(out);
        out.iter_mut().zip(&self.mean).for_each(|(o, m)| *o += m);
    }
}
