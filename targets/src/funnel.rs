//! Neal's funnel (normalized, `log Z = 0`).
//!
//! ```text
//! x0 ~ N(0, σ²),   x_i | x0 ~ N(0, e^{x0}),  i = 1..d−1   (e^{x0} is the variance)
//! log p(x) = −x0²/(2σ²) − ½ ln(2πσ²) − ((d−1)/2)(ln 2π + x0) − ½ e^{−x0} Σ_{i≥1} x_i²
//! ∂/∂x0 = −x0/σ² − (d−1)/2 + ½ e^{−x0} Σ_{i≥1} x_i²,   ∂/∂x_i = −e^{−x0} x_i
//! ```
//! The hard funnel (σ = 3, d = 10) is gfn-diffusion's `hard_funnel.py`, Beyond ELBOs'
//! funnel and the GPSS paper's Neal's funnel; the easy funnel (σ = 1) is gfn-diffusion's
//! "as in Zhang & Chen 2021". SLIPS `funnel.py` uses a = 3, b = 1 (the hard funnel).

use crate::{TargetError, error::check_dim_param};
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_core::{ExactSampler, GradTarget, Target, validate};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Neal's funnel in dimension d with x0 ~ N(0, scale²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Funnel {
    d: usize,
    scale: f64,
    /// `−½ ln(2πσ²) − ((d−1)/2) ln 2π`.
    log_norm: f64,
}

impl Funnel {
    /// The funnel with d ≥ 2 coordinates and std `scale` > 0 of x0.
    pub fn new(d: usize, scale: f64) -> Result<Self, TargetError> {
        check_dim_param("dim", d)?;
        if d < 2 {
            return Err(TargetError::invalid("dim", d, "the funnel needs d >= 2"));
        }
        let scale = validate::positive("scale", scale)?;
        let log_norm = -0.5 * (LN_2PI + 2.0 * scale.ln()) - 0.5 * (d - 1) as f64 * LN_2PI;
        Ok(Funnel { d, scale, log_norm })
    }

    /// The hard funnel: d = 10, x0 ~ N(0, 9).
    pub fn hard() -> Self {
        Funnel::new(10, 3.0).expect("valid")
    }

    /// The easy funnel: d = 10, x0 ~ N(0, 1).
    pub fn easy() -> Self {
        Funnel::new(10, 1.0).expect("valid")
    }

    /// The std σ of x0.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// `a · e^t`, with `0 · e^t = 0` even where `e^t` overflows (x0 < −709 puts the
/// conditional variance `e^{x0}` below f64's range; the neck at x_i = 0 keeps a finite
/// density there instead of `0 · ∞ = NaN`).
#[inline]
fn times_exp(a: f64, t: f64) -> f64 {
    if a == 0.0 { 0.0 } else { a * t.exp() }
}

impl Target for Funnel {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let x0 = x[0];
        let ss: f64 = x[1..].iter().map(|v| v * v).sum();
        self.log_norm
            - 0.5 * x0 * x0 / (self.scale * self.scale)
            - 0.5 * (self.d - 1) as f64 * x0
            - 0.5 * times_exp(ss, -x0)
    }
    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for Funnel {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let x0 = x[0];
        let mut ss = 0.0;
        for (g, v) in grad[1..].iter_mut().zip(&x[1..]) {
            ss += v * v;
            *g = -times_exp(*v, -x0);
        }
        let s2 = self.scale * self.scale;
        let h = 0.5 * (self.d - 1) as f64;
        let ess = times_exp(ss, -x0);
        grad[0] = -x0 / s2 - h + 0.5 * ess;
        self.log_norm - 0.5 * x0 * x0 / s2 - h * x0 - 0.5 * ess
    }
}

impl ExactSampler for Funnel {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        fill_standard_normal(rng, out);
        out[0] *= self.scale;
        let s = (0.5 * out[0]).exp();
        out[1..].iter_mut().for_each(|v| *v *= s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deep in the neck (x0 < −709, e^{−x0} overflows) a point on the axis keeps a
    /// finite density and gradient; off the axis the density is −∞, never NaN.
    #[test]
    fn deep_neck_is_never_nan() {
        let f = Funnel::hard();
        let mut x = vec![0.0; 10];
        x[0] = -800.0;
        let mut g = vec![0.0; 10];
        let v = f.log_density_grad(&x, &mut g);
        assert!(
            v.is_finite() && g.iter().all(|v| v.is_finite()),
            "{v} {g:?}"
        );
        assert_eq!(v, f.log_density(&x));
        x[3] = 1e-3;
        let v = f.log_density_grad(&x, &mut g);
        assert_eq!(v, f64::NEG_INFINITY);
        assert!(!f.log_density(&x).is_nan() && g.iter().all(|v| !v.is_nan()));
    }
}
