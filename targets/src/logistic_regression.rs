//! Bayesian logistic regression: `P(y_n = 1 | x) = σ(φ_nᵀx)` with labels in {0, 1}
//! and prior `x ~ N(0, s² I)`, as a [`FiniteSumTarget`] over the n data points.
//!
//! Term n: `log p(y_n | x) = y_n z − log(1 + e^z)` with `z = φ_nᵀx`, gradient
//! `(y_n − σ(z)) φ_n`, Hessian `−σ(z)(1 − σ(z)) φ_n φ_nᵀ`. `log(1 + e^z)` is evaluated
//! as `max(z, 0) + log1p(e^{−|z|})`, finite for every finite z. The prior is
//! normalized; there is no closed-form evidence or exact sampler.

use crate::TargetError;
use crate::regression_data::Design;
use sampo_core::rng::StreamRng;
use sampo_core::{FiniteSumTarget, GradTarget, Target};
use std::f64::consts::PI;

/// The posterior of a Bayesian logistic regression (module docs).
#[derive(Debug, Clone)]
pub struct LogisticRegression {
    design: Design,
    prior_var: f64,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| u * v).sum()
}

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// The logistic function σ(z) = 1 / (1 + e^{−z}), evaluated on the side that does not
/// overflow.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl LogisticRegression {
    /// The posterior given the data (labels must be 0 or 1) and the prior std s.
    pub fn new(design: Design, prior_std: f64) -> Result<Self, TargetError> {
        let prior_std = sampo_core::validate::positive("prior_std", prior_std)?;
        if let Some(i) = design
            .responses()
            .iter()
            .position(|&y| y != 0.0 && y != 1.0)
        {
            return Err(TargetError::invalid(
                format!("y[{i}]"),
                design.response(i),
                "a logistic-regression label must be 0 or 1",
            ));
        }
        Ok(LogisticRegression {
            design,
            prior_var: prior_std * prior_std,
        })
    }

    /// The data.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// Fraction of the data points that `x` classifies right (`σ(φᵀx) > ½` predicts 1).
    pub fn accuracy(&self, x: &[f64]) -> f64 {
        let right = (0..self.design.len())
            .filter(|&n| {
                let pred = dot(self.design.row(n), x) > 0.0;
                pred == (self.design.response(n) == 1.0)
            })
            .count();
        right as f64 / self.design.len() as f64
    }

    /// The generator of labels for [`crate::regression_data::DataSource`]:
    /// `y ~ Bernoulli(σ(φᵀx))`.
    pub fn respond() -> impl Fn(&[f64], &[f64], &mut StreamRng) -> f64 {
        |phi, truth, r| {
            if sampo_core::rng::uniform(r) < sigmoid(dot(phi, truth)) {
                1.0
            } else {
                0.0
            }
        }
    }
}

impl Target for LogisticRegression {
    fn dim(&self) -> usize {
        self.design.dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut v = -0.5 * dot(x, x) / self.prior_var
            - 0.5 * self.dim() as f64 * (2.0 * PI * self.prior_var).ln();
        for n in 0..self.design.len() {
            let z = dot(self.design.row(n), x);
            v += self.design.response(n) * z - softplus(z);
        }
        v
    }
    fn data_terms(&self) -> u64 {
        self.design.len() as u64
    }
}

impl GradTarget for LogisticRegression {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.full_log_density_grad(x, grad)
    }
}

impl FiniteSumTarget for LogisticRegression {
    fn n_terms(&self) -> usize {
        self.design.len()
    }
    fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        for (g, v) in grad.iter_mut().zip(x) {
            *g = -v / self.prior_var;
        }
        -0.5 * dot(x, x) / self.prior_var
            - 0.5 * self.dim() as f64 * (2.0 * PI * self.prior_var).ln()
    }
    fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64 {
        let phi = self.design.row(i);
        let y = self.design.response(i);
        let z = dot(phi, x);
        // σ(z) and log(1 + e^z) from one e = e^{−|z|}: the same values as `sigmoid`
        // and `softplus`, bit for bit, with one exponential instead of two.
        let e = (-z.abs()).exp();
        let s = if z >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        let r = y - s;
        for (g, p) in grad.iter_mut().zip(phi) {
            *g += r * p;
        }
        y * z - (z.max(0.0) + e.ln_1p())
    }
    fn log_prior_hessian_add(&self, _x: &[f64], hess: &mut [f64]) -> bool {
        let d = self.dim();
        for i in 0..d {
            hess[i * d + i] -= 1.0 / self.prior_var;
        }
        true
    }
    fn log_term_hessian_add(&self, i: usize, x: &[f64], hess: &mut [f64]) -> bool {
        let d = self.dim();
        let phi = self.design.row(i);
        let s = sigmoid(dot(phi, x));
        let w = s * (1.0 - s);
        for a in 0..d {
            for b in 0..d {
                hess[a * d + b] -= w * phi[a] * phi[b];
            }
        }
        true
    }
}
