//! Concentric rings in 2-D, as defined in SLIPS (`h2o64/slips:slips/distributions/rings.py`,
//! class `Rings`; read from the repository, re-derived here).
//!
//! SLIPS builds the density in polar coordinates: the radius follows an equal-weight
//! mixture of normals `p_r(r) = (1/K) Σ_k N(r; r_k, σ²)` with `r_k = k·radius`
//! (k = 1..K; defaults K = 4, radius 1, σ = 0.15), the angle is uniform on [0, 2π), and
//! `log_prob` maps back with the polar Jacobian |x|:
//! ```text
//! p(x) = p_r(|x|) / (2π |x|)
//! ∇ log p(x) = (Σ_k s_k (r_k − r)/σ² − 1/r) · x/r,   r = |x|,  s_k = softmax_k(−(r − r_k)²/(2σ²))
//! ```
//! **Mass per ring:** each ring carries mass `(1/K) Φ(r_k/σ)`, i.e. 1/K up to the
//! normal tail below r = 0 (Φ(−1/0.15) ≈ 1.3e−11 for the innermost ring): the rings are
//! equally likely, *not* weighted by circumference. The same tail makes the density
//! integrate over R² to `Z = (1/K) Σ_k Φ(r_k/σ)`, so `log Z ≈ −3.3e−12` (reported
//! exactly by [`Target::log_z`]). Exact draws take a ring uniformly and r ~ N(r_k, σ²),
//! both redrawn while r ≤ 0 (which happens with probability ~1e−11, and is
//! what makes the sampler exact for this density), and a uniform angle. SLIPS' own sampler
//! does not redraw a negative r; the difference is at the 1e−11 level.
//!
//! The 1/|x| factor makes the density singular (integrably) at the origin, where the
//! value is `p_r(0)/(2π|x|)` with `p_r(0) ≈ e^{−22}`: it exceeds the rings' density only
//! for |x| < ~1e−10. At x = 0 exactly, |x| is replaced by the smallest positive normal f64
//! so that the value stays finite (and the gradient is 0).

use crate::TargetError;
use crate::quadrature::ln_normal_cdf;
use sampo_core::rng::{StreamRng, standard_normal, uniform};
use sampo_core::{ExactSampler, GradTarget, Target, validate};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The SLIPS rings distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Rings {
    radii: Vec<f64>,
    sigma: f64,
    /// `−ln K − ½ ln(2πσ²) − ln 2π`.
    log_norm: f64,
    log_z: f64,
}

/// The most rings a config may ask for (a guard against absurd allocations).
const MAX_RINGS: usize = 1 << 16;

impl Rings {
    /// `num_rings` rings at radii `radius, 2·radius, …`, radial std `sigma`.
    pub fn new(num_rings: usize, radius: f64, sigma: f64) -> Result<Self, TargetError> {
        if num_rings == 0 || num_rings > MAX_RINGS {
            return Err(TargetError::invalid(
                "num_rings",
                num_rings,
                format!("must be between 1 and {MAX_RINGS}"),
            ));
        }
        let radius = validate::positive("radius", radius)?;
        let sigma = validate::positive("sigma", sigma)?;
        let radii: Vec<f64> = (1..=num_rings).map(|k| k as f64 * radius).collect();
        let k = num_rings as f64;
        let log_norm = -k.ln() - 0.5 * LN_2PI - sigma.ln() - LN_2PI;
        // log Z = ln((1/K) Σ_k Φ(r_k/σ)), by log-sum-exp of ln Φ.
        let lp: Vec<f64> = radii.iter().map(|r| ln_normal_cdf(r / sigma)).collect();
        let m = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_z = m + lp.iter().map(|v| (v - m).exp()).sum::<f64>().ln() - k.ln();
        Ok(Rings {
            radii,
            sigma,
            log_norm,
            log_z,
        })
    }

    /// The SLIPS defaults: 4 rings of radii 1, 2, 3, 4, radial std 0.15.
    pub fn slips() -> Self {
        Rings::new(4, 1.0, 0.15).expect("valid")
    }

    /// The ring radii r_k.
    pub fn radii(&self) -> &[f64] {
        &self.radii
    }

    /// The radial std σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// `ln p_r(r) + ln K + ½ ln 2πσ²`-free pieces: returns (LSE_k −(r−r_k)²/2σ², d/dr of it).
    #[inline]
    fn radial(&self, r: f64) -> (f64, f64) {
        let inv = 1.0 / (self.sigma * self.sigma);
        let m = self
            .radii
            .iter()
            .map(|rk| -0.5 * (r - rk) * (r - rk) * inv)
            .fold(f64::NEG_INFINITY, f64::max);
        let (mut s, mut ds) = (0.0, 0.0);
        for rk in &self.radii {
            let t = -0.5 * (r - rk) * (r - rk) * inv;
            let e = (t - m).exp();
            s += e;
            ds += e * (rk - r) * inv;
        }
        (m + s.ln(), ds / s)
    }
}

impl Target for Rings {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let r = x[0].hypot(x[1]).max(f64::MIN_POSITIVE);
        self.log_norm + self.radial(r).0 - r.ln()
    }
    fn log_z(&self) -> Option<f64> {
        Some(self.log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for Rings {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let r0 = x[0].hypot(x[1]);
        let r = r0.max(f64::MIN_POSITIVE);
        let (v, dv) = self.radial(r);
        if r0 > 0.0 {
            let c = (dv - 1.0 / r) / r;
            grad[0] = c * x[0];
            grad[1] = c * x[1];
        } else {
            grad[0] = 0.0;
            grad[1] = 0.0;
        }
        self.log_norm + v - r.ln()
    }
}

impl ExactSampler for Rings {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        // Ring and radius are redrawn together when r <= 0, so that ring k keeps mass
        // ∝ Φ(r_k/σ) as the density says.
        let k = self.radii.len();
        let r = loop {
            let rk = self.radii[((uniform(rng) * k as f64) as usize).min(k - 1)];
            let r = rk + self.sigma * standard_normal(rng);
            if r > 0.0 {
                break r;
            }
        };
        let th = 2.0 * std::f64::consts::PI * uniform(rng);
        out[0] = r * th.cos();
        out[1] = r * th.sin();
    }
}
