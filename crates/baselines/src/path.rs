//! The tempering path from a Gaussian reference to the target,
//!
//! ```text
//! π_β(x) ∝ ref(x)^{1−β} π̃(x)^β,   log π_β = log ref + β ℓ,   ℓ = log π̃ − log ref,
//! ```
//!
//! with `ref = N(m, s² I)` normalized, so that the normalizing constant of π_β at
//! β = 1 is the target's own Z (SMC and AIS estimate `log Z = log ∫ π̃`). Every
//! sampler of this crate moves particles along this path; the swap acceptance of
//! parallel tempering and the incremental weights of SMC and AIS need only ℓ.

use serde::{Deserialize, Serialize};

/// The Gaussian reference `N(mean · 1, scale² I)`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Reference {
    /// Every coordinate's mean. Default 0.
    pub mean: f64,
    /// Standard deviation s > 0. Default 1 (the harness starts every sampler at
    /// N(0, I); a target whose mass lies far outside it needs a wider reference).
    pub scale: f64,
}

impl Default for Reference {
    fn default() -> Self {
        Reference {
            mean: 0.0,
            scale: 1.0,
        }
    }
}

impl Reference {
    /// `log ref(x)` (normalized).
    #[inline]
    pub fn log_density(&self, x: &[f64]) -> f64 {
        let s2 = self.scale * self.scale;
        let r2: f64 = x.iter().map(|v| (v - self.mean) * (v - self.mean)).sum();
        -0.5 * r2 / s2 - 0.5 * x.len() as f64 * (2.0 * std::f64::consts::PI * s2).ln()
    }

    /// `∇ log ref(x)` added, times `w`, into `out`.
    #[inline]
    pub fn add_grad(&self, x: &[f64], w: f64, out: &mut [f64]) {
        let k = w / (self.scale * self.scale);
        for (o, v) in out.iter_mut().zip(x) {
            *o -= k * (v - self.mean);
        }
    }

    /// An exact draw into `out`.
    pub fn sample(&self, rng: &mut sampo_core::StreamRng, out: &mut [f64]) {
        sampo_core::rng::fill_standard_normal(rng, out);
        out.iter_mut()
            .for_each(|v| *v = self.mean + self.scale * *v);
    }
}

/// `log π_β` of a point with cached `log π̃` (`lt`) and `log ref` (`lr`).
#[inline]
pub fn tempered(beta: f64, lt: f64, lr: f64) -> f64 {
    if beta == 0.0 {
        lr
    } else if beta == 1.0 {
        lt
    } else {
        (1.0 - beta) * lr + beta * lt
    }
}
