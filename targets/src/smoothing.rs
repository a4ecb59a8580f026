//! Closed-form Gaussian smoothing of Gaussian mixtures (`sampo_core::Smoothable`):
//!
//! ```text
//! p_{s²}(y)  = Σ_k w_k N(y; μ_k, S_k + s² I)                       (the smoothed mixture)
//! p(x | y)   = Σ_k r_k(y) N(x; m_k(y), C_k),   r_k(y) ∝ w_k N(y; μ_k, S_k + s² I)
//! C_k        = (S_k⁻¹ + s⁻² I)⁻¹,              m_k(y) = C_k S_k⁻¹ μ_k + (C_k / s²) y
//! ```
//!
//! (Bayes' rule for a Gaussian prior and a Gaussian observation, per component;
//! Saremi, Park & Bach 2024, §4.2; research notes samplers-a §2.7.) The smoothed
//! mixture is an ordinary [`GaussianMixture`], so its evaluation takes the mixture's
//! hot path, and `E[X | y] = y + s² ∇log p_{s²}(y)` by Tweedie's formula. The
//! posterior terms `C_k`, `C_k S_k⁻¹ μ_k` and `C_k / s²` are formed once per s².
//!
//! A [`Gaussian`] is the one-component mixture.

use crate::gaussian::{Covariance, Gaussian};
use crate::linalg::{Cholesky, symmetric_eigenvalues};
use crate::mixture::GaussianMixture;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{
    CoreError, GradTarget, Smoothable, Smoothed, SmoothingGeometry, Target, validate,
};

/// `p_{s²}` of a Gaussian mixture with its denoising posterior (module docs).
#[derive(Debug, Clone)]
pub struct SmoothedMixture {
    smoothed: GaussianMixture,
    variance: f64,
    /// Per component: `C_k` (for drawing), `C_k S_k⁻¹ μ_k` and `C_k / s²` (row-major).
    posterior: Vec<(Covariance, Vec<f64>, Vec<f64>)>,
}

impl SmoothedMixture {
    /// The smoothing of `mixture` at `variance = s² > 0`.
    pub fn new(mixture: &GaussianMixture, variance: f64) -> Result<Self, CoreError> {
        let s2 = validate::positive("smoothing variance", variance)?;
        let d = mixture.dim();
        let k = mixture.n_components();
        let covs: Vec<Covariance> = (0..k)
            .map(|c| mixture.covariance(c).plus_isotropic(s2, d))
            .collect();
        let means: Vec<Vec<f64>> = (0..k).map(|c| mixture.mean(c).to_vec()).collect();
        let smoothed =
            GaussianMixture::new(mixture.weights().to_vec(), means, covs).map_err(|e| {
                CoreError::Config {
                    message: format!("smoothing at s² = {s2}: {e}"),
                }
            })?;
        let posterior = (0..k)
            .map(|c| posterior_terms(mixture.covariance(c), mixture.mean(c), s2, d))
            .collect();
        Ok(SmoothedMixture {
            smoothed,
            variance: s2,
            posterior,
        })
    }

    /// The smoothed mixture `p_{s²}` itself.
    pub fn mixture(&self) -> &GaussianMixture {
        &self.smoothed
    }

    /// `m_k(y)`, the mean of component k of the posterior, into `out`.
    pub fn component_posterior_mean(&self, c: usize, y: &[f64], out: &mut [f64]) {
        let d = y.len();
        let (_, shift, gain) = &self.posterior[c];
        for (i, o) in out.iter_mut().enumerate() {
            let row = &gain[i * d..(i + 1) * d];
            *o = shift[i] + row.iter().zip(y).map(|(g, v)| g * v).sum::<f64>();
        }
    }
}

/// `(C, C S⁻¹ μ, C / s²)` for one component `N(μ, S)` (module docs).
fn posterior_terms(
    s: &Covariance,
    mu: &[f64],
    s2: f64,
    d: usize,
) -> (Covariance, Vec<f64>, Vec<f64>) {
    let (cov, c_dense) = match s {
        Covariance::Isotropic(v) => {
            let c = v * s2 / (v + s2);
            (Covariance::Isotropic(c), diag_dense(&vec![c; d]))
        }
        Covariance::Diagonal(v) => {
            let c: Vec<f64> = v.iter().map(|v| v * s2 / (v + s2)).collect();
            (Covariance::Diagonal(c.clone()), diag_dense(&c))
        }
        Covariance::Full { precision, .. } => {
            let mut a = precision.clone();
            for i in 0..d {
                a[i * d + i] += 1.0 / s2;
            }
            let c = Cholesky::new("posterior precision", &a, d)
                .expect("S⁻¹ + I/s² is SPD")
                .inverse();
            (
                Covariance::full("posterior covariance", &c, d).expect("C is SPD"),
                c,
            )
        }
    };
    let p = s.precision(d);
    let p_mu: Vec<f64> = (0..d)
        .map(|i| (0..d).map(|j| p[i * d + j] * mu[j]).sum())
        .collect();
    let shift = (0..d)
        .map(|i| (0..d).map(|j| c_dense[i * d + j] * p_mu[j]).sum())
        .collect();
    let gain = c_dense.iter().map(|c| c / s2).collect();
    (cov, shift, gain)
}

fn diag_dense(v: &[f64]) -> Vec<f64> {
    let d = v.len();
    let mut m = vec![0.0; d * d];
    for (i, x) in v.iter().enumerate() {
        m[i * d + i] = *x;
    }
    m
}

impl Target for SmoothedMixture {
    fn dim(&self) -> usize {
        self.smoothed.dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.smoothed.log_density(x)
    }
    fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) {
        self.smoothed.log_density_batch(xs, out)
    }
    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }
}

impl GradTarget for SmoothedMixture {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.smoothed.log_density_grad(x, grad)
    }
    fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
        self.smoothed.log_density_grad_batch(xs, grads, out)
    }
}

impl Smoothed for SmoothedMixture {
    fn variance(&self) -> f64 {
        self.variance
    }

    /// Component k with probability `r_k(y)` (one uniform, inverse CDF over the
    /// log-sum-exp-normalized terms), then `m_k(y) + C_k^{1/2} z` (d normals).
    fn posterior_draw(&self, y: &[f64], rng: &mut StreamRng, out: &mut [f64]) {
        let k = self.smoothed.n_components();
        let terms: Vec<f64> = (0..k)
            .map(|c| self.smoothed.component_log_term(c, y))
            .collect();
        let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = terms.iter().map(|t| (t - max).exp()).collect();
        let u = uniform(rng) * w.iter().sum::<f64>();
        let mut acc = 0.0;
        let mut c = k - 1;
        for (i, wi) in w.iter().enumerate() {
            acc += wi;
            if u < acc {
                c = i;
                break;
            }
        }
        fill_standard_normal(rng, out);
        self.posterior[c].0.scale_standard_normal(out);
        let mut m = vec![0.0; y.len()];
        self.component_posterior_mean(c, y, &mut m);
        out.iter_mut().zip(&m).for_each(|(o, m)| *o += m);
    }
}

impl Smoothable for GaussianMixture {
    fn smoothed(&self, variance: f64) -> Result<Box<dyn Smoothed>, CoreError> {
        Ok(Box::new(SmoothedMixture::new(self, variance)?))
    }

    /// Centre `Σ_k w_k μ_k`, R the largest distance of a mean from it, τ² the
    /// smallest eigenvalue of any `S_k` (Jacobi, [`symmetric_eigenvalues`]).
    fn smoothing_geometry(&self) -> SmoothingGeometry {
        let d = self.dim();
        let k = self.n_components();
        let mut center = vec![0.0; d];
        for c in 0..k {
            for (z, m) in center.iter_mut().zip(self.mean(c)) {
                *z += self.weights()[c] * m;
            }
        }
        let radius = (0..k)
            .map(|c| {
                self.mean(c)
                    .iter()
                    .zip(&center)
                    .map(|(m, z)| (m - z) * (m - z))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max);
        let floor_variance = (0..k)
            .map(|c| match self.covariance(c) {
                Covariance::Isotropic(v) => *v,
                Covariance::Diagonal(v) => v.iter().copied().fold(f64::INFINITY, f64::min),
                Covariance::Full { chol, .. } => {
                    let f = chol.factor();
                    let s: Vec<f64> = (0..d * d)
                        .map(|e| {
                            let (i, j) = (e / d, e % d);
                            (0..=i.min(j)).map(|m| f[i * d + m] * f[j * d + m]).sum()
                        })
                        .collect();
                    symmetric_eigenvalues(&s, d)[0]
                }
            })
            .fold(f64::INFINITY, f64::min);
        SmoothingGeometry {
            radius,
            floor_variance,
            center,
        }
    }
}

impl Gaussian {
    fn as_mixture(&self) -> GaussianMixture {
        GaussianMixture::new(
            vec![1.0],
            vec![self.mean().to_vec()],
            vec![self.covariance().clone()],
        )
        .expect("a valid Gaussian is a valid one-component mixture")
    }
}

impl Smoothable for Gaussian {
    fn smoothed(&self, variance: f64) -> Result<Box<dyn Smoothed>, CoreError> {
        Ok(Box::new(SmoothedMixture::new(
            &self.as_mixture(),
            variance,
        )?))
    }
    fn smoothing_geometry(&self) -> SmoothingGeometry {
        self.as_mixture().smoothing_geometry()
    }
}
