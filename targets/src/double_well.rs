//! The quartic double well and the many-well target built from it.
//!
//! # Pair energy
//! ```text
//! u(x1, x2) = x1⁴ − 6 x1² − 0.5 x1 + ½ x2²,    log p(x1, x2) = −u(x1, x2)
//! ```
//! This is `E = a x1 + b x1² + c x1⁴ + ½ x2²` with a = −0.5, b = −6, c = 1: FAB's
//! `ManyWellEnergy` / `DoubleWellEnergy` (`lollcat/fab-torch:fab/target_distributions/
//! {many_well,double_well}.py`), gfn-diffusion's `many_well.py`, and the 2-D double well of
//! the SNF paper (Wu, Köhler & Noé 2020, `DoubleWellEnergy(dim=2, a=−0.5, b=−6)`).
//! x2 is an independent N(0, 1); x1 has density `exp(−x1⁴ + 6x1² + 0.5x1) / Z_x1` with
//! minima of u at x1 ≈ −1.71 and +1.75 (the right well is deeper by the 0.5·x1 tilt).
//!
//! # Normalizers (computed here by quadrature, not hard-coded)
//! `Z_x1 = ∫ exp(−x⁴ + 6x² + 0.5x) dx ≈ 11784.50927`, `log Z_pair = ln Z_x1 + ½ ln 2π ≈
//! 10.29348`, many-well d = 32: `log Z = 16 · log Z_pair ≈ 164.69568` (the value quoted
//! by gfn-diffusion). `P(x1 < 0) ≈ 0.1557` and the free-energy difference
//! `ΔF = F_left − F_right = ln(P(x1 > 0)/P(x1 < 0)) ≈ 1.69 kT` (SNF paper) come from the
//! same quadrature.
//!
//! # Exact sampling
//! x1 by rejection from `q = 0.2·N(−1.7, 0.5²) + 0.8·N(1.7, 0.5²)` with envelope
//! `exp(−u(x1)) ≤ 3·Z_x1·q(x1)` (gfn-diffusion's choice; a test checks on a fine grid
//! over [−6, 6], beyond which both sides are below 1e−300 relative, that the bound holds with
//! margin: the largest ratio is 0.864), so one draw costs 3 proposals on average;
//! x2 ~ N(0, 1).

use crate::quadrature::integrate;
use crate::quartic::Quartic;
use crate::{TargetError, error::check_dim_param};
use sampo_core::rng::{StreamRng, standard_normal, uniform};
use sampo_core::{ExactSampler, GradTarget, Target};
use std::sync::OnceLock;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// `log p(x1, x2) = −u(x1, x2)` of one pair.
#[inline]
pub fn pair_log_density(x1: f64, x2: f64) -> f64 {
    x1_log_density(x1) - 0.5 * x2 * x2
}

/// The unnormalized x1 part `−x1⁴ + 6x1² + 0.5x1`.
#[inline]
pub fn x1_log_density(x1: f64) -> f64 {
    let s = x1 * x1;
    -s * s + 6.0 * s + 0.5 * x1
}

/// `log p` of one pair and its gradient `(−4x1³ + 12x1 + 0.5, −x2)`.
#[inline]
pub fn pair_log_density_grad(x1: f64, x2: f64) -> (f64, f64, f64) {
    let s = x1 * x1;
    (
        -s * s + 6.0 * s + 0.5 * x1 - 0.5 * x2 * x2,
        -4.0 * s * x1 + 12.0 * x1 + 0.5,
        -x2,
    )
}

/// Quadrature results for the pair (computed once, cached).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairConstants {
    /// `Z_x1 = ∫ exp(−x⁴ + 6x² + 0.5x) dx`.
    pub z_x1: f64,
    /// `∫_{−∞}^0 exp(−x⁴ + 6x² + 0.5x) dx`.
    pub z_left: f64,
}

/// Integration range for x1: at |x1| = 7, −x⁴ + 6x² + 0.5x ≈ −2100, so the tails beyond
/// contribute e^{−2100} relative to the peak value e^{9.9}: nothing in f64.
const X1_RANGE: f64 = 7.0;

/// The pair constants by composite Gauss–Legendre (20 nodes × 280 panels of width 0.05 on
/// [−7, 7], split at 0; the integrand varies on a scale of ~0.3, so this is at rounding level).
pub fn pair_constants() -> PairConstants {
    static C: OnceLock<PairConstants> = OnceLock::new();
    *C.get_or_init(|| {
        let f = |x: f64| x1_log_density(x).exp();
        let z_left = integrate(f, -X1_RANGE, 0.0, 140);
        let z_right = integrate(f, 0.0, X1_RANGE, 140);
        PairConstants {
            z_x1: z_left + z_right,
            z_left,
        }
    })
}

/// `log Z` of one pair: `ln Z_x1 + ½ ln 2π ≈ 10.29348`.
pub fn pair_log_z() -> f64 {
    pair_constants().z_x1.ln() + 0.5 * LN_2PI
}

/// `P(x1 < 0) ≈ 0.1557`.
pub fn prob_left() -> f64 {
    let c = pair_constants();
    c.z_left / c.z_x1
}

/// `ΔF = F_left − F_right = ln(P(x1 > 0) / P(x1 < 0)) ≈ 1.69` (in kT).
pub fn delta_f() -> f64 {
    let p = prob_left();
    ((1.0 - p) / p).ln()
}

/// Proposal mixture of the rejection sampler: (weight, mean) pairs, std 0.5.
pub const PROPOSAL: [(f64, f64); 2] = [(0.2, -1.7), (0.8, 1.7)];
/// Std of both proposal components.
pub const PROPOSAL_STD: f64 = 0.5;
/// Envelope constant in units of Z_x1: `exp(−u) ≤ 3·Z_x1·q`.
pub const ENVELOPE: f64 = 3.0;

/// The proposal density q(x1).
pub fn proposal_density(x: f64) -> f64 {
    let norm = 1.0 / (PROPOSAL_STD * (2.0 * std::f64::consts::PI).sqrt());
    PROPOSAL
        .iter()
        .map(|&(w, m)| {
            let z = (x - m) / PROPOSAL_STD;
            w * norm * (-0.5 * z * z).exp()
        })
        .sum()
}

/// One exact draw of x1 by rejection sampling (module docs).
pub fn sample_x1(rng: &mut StreamRng) -> f64 {
    let k = ENVELOPE * pair_constants().z_x1;
    loop {
        let (_, m) = if uniform(rng) < PROPOSAL[0].0 {
            PROPOSAL[0]
        } else {
            PROPOSAL[1]
        };
        let x = m + PROPOSAL_STD * standard_normal(rng);
        if uniform(rng) * k * proposal_density(x) < x1_log_density(x).exp() {
            return x;
        }
    }
}

/// The 2-D double well `u(x1, x2) = a x1 + b x1² + c x1⁴ + ½ x2²`, `log p = −u`, in
/// FAB's convention with any coefficients (c > 0); [`DoubleWell::new`] is the SNF
/// paper's a = −0.5, b = −6, c = 1. The x1 marginal's normalizer, `P(x1 < 0)` and ΔF
/// come from [`crate::quartic::Quartic`]'s quadrature, and exact draws from its
/// envelope rejection sampler (for every coefficient set, the defaults included).
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleWell {
    x1: Quartic,
}

impl Default for DoubleWell {
    fn default() -> Self {
        DoubleWell::new()
    }
}

/// The SNF paper's coefficients (a, b, c).
pub const SNF_COEFFICIENTS: (f64, f64, f64) = (-0.5, -6.0, 1.0);

impl DoubleWell {
    /// The SNF paper's double well (a = −0.5, b = −6, c = 1).
    pub fn new() -> Self {
        let (a, b, c) = SNF_COEFFICIENTS;
        DoubleWell::with_coefficients(a, b, c).expect("the SNF coefficients are valid")
    }

    /// `u = a x1 + b x1² + c x1⁴ + ½ x2²`; errors name the coefficient.
    pub fn with_coefficients(a: f64, b: f64, c: f64) -> Result<Self, TargetError> {
        Ok(DoubleWell {
            x1: Quartic::new(a, b, c)?,
        })
    }

    /// The x1 marginal.
    pub fn x1(&self) -> &Quartic {
        &self.x1
    }

    /// `P(x1 < 0)` by quadrature.
    pub fn prob_left(&self) -> f64 {
        self.x1.prob_left()
    }

    /// `ΔF = F_left − F_right` between the wells (split at x1 = 0), in kT.
    pub fn delta_f(&self) -> f64 {
        self.x1.delta_f()
    }
}

impl Target for DoubleWell {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -self.x1.energy(x[0]) - 0.5 * x[1] * x[1]
    }
    fn log_z(&self) -> Option<f64> {
        Some(self.x1.log_z() + 0.5 * LN_2PI)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for DoubleWell {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (e, de) = self.x1.energy_grad(x[0]);
        grad[0] = -de;
        grad[1] = -x[1];
        -e - 0.5 * x[1] * x[1]
    }
}

impl ExactSampler for DoubleWell {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        out[0] = self.x1.sample(rng);
        out[1] = standard_normal(rng);
    }
}

/// Many-well: d/2 independent double-well pairs `(x_{2i}, x_{2i+1})`,
/// `log p = Σ_i −u(x_{2i}, x_{2i+1})`, 2^{d/2} modes. The benchmark is d = 32
/// (gfn-diffusion, FAB, Beyond ELBOs) with `log Z = 16 · log Z_pair ≈ 164.69568`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ManyWell {
    d: usize,
    log_z: f64,
}

impl ManyWell {
    /// Many-well in an even dimension d ≥ 2.
    pub fn new(d: usize) -> Result<Self, TargetError> {
        check_dim_param("dim", d)?;
        if !d.is_multiple_of(2) {
            return Err(TargetError::invalid(
                "dim",
                d,
                "many-well is made of (x1, x2) pairs: the dimension must be even",
            ));
        }
        Ok(ManyWell {
            d,
            log_z: (d / 2) as f64 * pair_log_z(),
        })
    }

    /// The benchmark many-well in d = 32.
    pub fn d32() -> Self {
        ManyWell::new(32).expect("32 is even")
    }
}

impl Target for ManyWell {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        x.chunks_exact(2)
            .map(|p| pair_log_density(p[0], p[1]))
            .sum()
    }
    fn log_z(&self) -> Option<f64> {
        Some(self.log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for ManyWell {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut v = 0.0;
        for (p, g) in x.chunks_exact(2).zip(grad.chunks_exact_mut(2)) {
            let (vi, g1, g2) = pair_log_density_grad(p[0], p[1]);
            v += vi;
            g[0] = g1;
            g[1] = g2;
        }
        v
    }
}

impl ExactSampler for ManyWell {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        for p in out.chunks_exact_mut(2) {
            p[0] = sample_x1(rng);
            p[1] = standard_normal(rng);
        }
    }
}
