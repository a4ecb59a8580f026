//! The mixture posterior of Welling & Teh (2011, §5.1), SGLD's first demonstration:
//!
//! ```text
//! θ₁ ~ N(0, σ₁²), θ₂ ~ N(0, σ₂²),   x_i ~ ½ N(θ₁, σ_x²) + ½ N(θ₁ + θ₂, σ_x²),  i < N
//! ```
//!
//! with σ₁² = 10, σ₂² = 1, σ_x² = 2 and N = 100 points drawn at θ = (0, 1) (samplers-b
//! §4.1). The posterior over θ has two modes, near (0, 1) and (1, −1): the data cannot
//! tell which component carries θ₂. The paper's own 100 points were not published;
//! ours are drawn from the stream `(seed, 0)`: per point one uniform picks the
//! component, one normal its noise.
//!
//! Term i is `log p(x_i | θ) = log(½N(x_i; θ₁, σ_x²) + ½N(x_i; θ₁ + θ₂, σ_x²))`, with
//! gradient `(r₁ e₁ + r₂ e₂, r₂ e₂)/σ_x²` where `e₁ = x_i − θ₁`, `e₂ = x_i − θ₁ − θ₂` and
//! r the components' responsibilities (log-sum-exp). Every density is normalized, so
//! log Z is the evidence; the reference samples and log Z come from the 2-D grid of
//! [`crate::grid`], as for the potential surfaces.

use crate::TargetError;
use crate::grid::{Grid2d, LazyGrid};
use sampo_core::rng::{self, StreamRng};
use sampo_core::{ExactSampler, FiniteSumTarget, GradTarget, Target, validate};
use std::f64::consts::PI;

/// The paper's prior variances and component variance (Welling & Teh 2011, §5.1).
const VAR1: f64 = 10.0;
const VAR2: f64 = 1.0;
const VAR_X: f64 = 2.0;

/// The posterior over θ = (θ₁, θ₂) (module docs).
#[derive(Debug, Clone)]
pub struct WellingTehMixture {
    data: Vec<f64>,
    grid: LazyGrid,
}

impl PartialEq for WellingTehMixture {
    fn eq(&self, o: &Self) -> bool {
        self.data == o.data
    }
}

impl WellingTehMixture {
    /// The posterior given observations `data` (finite, at least one).
    pub fn new(data: Vec<f64>) -> Result<Self, TargetError> {
        if data.is_empty() {
            return Err(TargetError::invalid(
                "data",
                "[]",
                "needs at least one point",
            ));
        }
        sampo_core::validate::all_finite("data", &data)?;
        Ok(WellingTehMixture {
            data,
            grid: LazyGrid::default(),
        })
    }

    /// `points` observations drawn at `theta` from the stream `(seed, 0)` (module docs).
    pub fn generate(points: usize, theta: [f64; 2], seed: u64) -> Result<Self, TargetError> {
        validate::at_least("points", points, 1)?;
        validate::all_finite("theta", &theta)?;
        let mut r = rng::stream(seed, 0);
        let data = (0..points)
            .map(|_| {
                let mean = if rng::uniform(&mut r) < 0.5 {
                    theta[0]
                } else {
                    theta[0] + theta[1]
                };
                mean + VAR_X.sqrt() * rng::standard_normal(&mut r)
            })
            .collect();
        Self::new(data)
    }

    /// The observations.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// The reference grid (built on first use).
    pub fn grid(&self) -> Option<&Grid2d> {
        self.grid.get(|| {
            Grid2d::build(
                "welling-teh-mixture",
                &|a, b| self.log_density(&[a, b]),
                (-2.0, 3.0),
                (-3.0, 3.0),
            )
        })
    }

    /// `log p(x | θ)` and its gradient, added into `g`.
    #[inline]
    fn term(x: f64, t: &[f64], g: &mut [f64]) -> f64 {
        let (e1, e2) = (x - t[0], x - t[0] - t[1]);
        let (l1, l2) = (-0.5 * e1 * e1 / VAR_X, -0.5 * e2 * e2 / VAR_X);
        let top = l1.max(l2);
        let (w1, w2) = ((l1 - top).exp(), (l2 - top).exp());
        let (r1, r2) = (w1 / (w1 + w2), w2 / (w1 + w2));
        g[0] += (r1 * e1 + r2 * e2) / VAR_X;
        g[1] += r2 * e2 / VAR_X;
        top + (w1 + w2).ln() + 0.5f64.ln() - 0.5 * (2.0 * PI * VAR_X).ln()
    }
}

impl Target for WellingTehMixture {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, t: &[f64]) -> f64 {
        let mut g = [0.0; 2];
        self.full_log_density_grad(t, &mut g)
    }
    fn log_z(&self) -> Option<f64> {
        self.grid().map(Grid2d::log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        self.grid().map(|_| self as &dyn ExactSampler)
    }
    fn data_terms(&self) -> u64 {
        self.data.len() as u64
    }
}

impl GradTarget for WellingTehMixture {
    fn log_density_grad(&self, t: &[f64], grad: &mut [f64]) -> f64 {
        self.full_log_density_grad(t, grad)
    }
}

impl FiniteSumTarget for WellingTehMixture {
    fn n_terms(&self) -> usize {
        self.data.len()
    }
    fn log_prior_grad(&self, t: &[f64], grad: &mut [f64]) -> f64 {
        grad[0] = -t[0] / VAR1;
        grad[1] = -t[1] / VAR2;
        -0.5 * (t[0] * t[0] / VAR1 + t[1] * t[1] / VAR2)
            - 0.5 * ((2.0 * PI * VAR1).ln() + (2.0 * PI * VAR2).ln())
    }
    fn log_term_grad_add(&self, i: usize, t: &[f64], grad: &mut [f64]) -> f64 {
        Self::term(self.data[i], t, grad)
    }
}

impl ExactSampler for WellingTehMixture {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        self.grid()
            .expect("exact_sampler() is Some only with a grid")
            .sample(rng, out);
    }
}
