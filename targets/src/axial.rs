//! Axial modes (GPSS paper, `axial_modes_dim_dep.ipynb`; `samplers-b.md` §1.5 E3).
//!
//! ```text
//! log ϱ(x) = 4 ln ‖x‖_∞ − ‖x‖₁
//! ∇ log ϱ(x) = 4/x_j* · e_j* − sign(x)     (a.e.; j* = argmax_j |x_j|)
//! ```
//! 2d modes, at ±4·e_j (on the axes).
//!
//! # Normalizer and exact sampler (derived here)
//! Split R^d by the axis j* of the largest |x_j| and the sign s of x_j*; the 2d pieces
//! are congruent. With `m = |x_j*|`, the other coordinates range over [−m, m]^{d−1} and
//! ```text
//! ϱ(x) = m⁴ e^{−m} Π_{i≠j*} e^{−|x_i|},     ∫_{[−m,m]^{d−1}} Π e^{−|x_i|} = (2(1 − e^{−m}))^{d−1}.
//! ```
//! Hence the marginal of m is `g(m) ∝ m⁴ e^{−m} (1 − e^{−m})^{d−1}` on (0, ∞), and
//! ```text
//! Z = 2d · 2^{d−1} · I_d = d 2^d I_d,     I_d = ∫_0^∞ m⁴ e^{−m} (1 − e^{−m})^{d−1} dm,
//! ```
//! I_d computed by Gauss–Legendre quadrature at construction (d = 1: I_1 = Γ(5) = 24).
//! Given m, j* and s (uniform over the 2d choices), the others are i.i.d. Laplace(0, 1)
//! truncated to [−m, m]: `|x_i| = −ln(1 − V (1 − e^{−m}))` with a random sign.
//!
//! m is drawn by rejection: with `t = e^{−m} ~ Beta(1 − a, d)` the proposal density of m is
//! `∝ e^{a m} e^{−m} (1 − e^{−m})^{d−1}`, so `g/h ∝ m⁴ e^{−a m} ≤ (4/(a e))⁴` (at m = 4/a)
//! and a draw is accepted with probability `m⁴ e^{−a m} / (4/(a e))⁴`. Any a ∈ (0, 1) is
//! exact; `a = 4/(4 + ln d + 1)` puts the bound's peak near the bulk of g (whose mode
//! grows like ln d), giving acceptance rates of roughly 0.3–0.7. A Beta(α, β) draw is
//! `X/(X+Y)` with X ~ Gamma(α), Y ~ Gamma(β), so `m = ln(1 + Y/X)` without underflow.

use crate::quadrature::integrate;
use crate::{TargetError, error::check_dim_param};
use rand_distr::{Distribution, Gamma};
use sampo_core::rng::{StreamRng, uniform};
use sampo_core::{ExactSampler, GradTarget, Target};

/// The axial-modes target in dimension d.
#[derive(Debug, Clone, PartialEq)]
pub struct AxialModes {
    d: usize,
    log_z: f64,
    /// Exponent a of the rejection proposal (module docs).
    a: f64,
    gamma_x: Gamma<f64>,
    gamma_y: Gamma<f64>,
    /// `4 ln(4/(a e))`, the log of the acceptance bound.
    log_bound: f64,
}

impl AxialModes {
    /// Axial modes in dimension d ≥ 1.
    pub fn new(d: usize) -> Result<Self, TargetError> {
        check_dim_param("dim", d)?;
        let df = d as f64;
        let a = 4.0 / (5.0 + df.ln());
        let gamma_x = Gamma::new(1.0 - a, 1.0)
            .map_err(|e| TargetError::invalid("proposal shape", 1.0 - a, e.to_string()))?;
        let gamma_y =
            Gamma::new(df, 1.0).map_err(|e| TargetError::invalid("dim", d, e.to_string()))?;
        let log_z = df.ln() + df * std::f64::consts::LN_2 + Self::log_i(d);
        Ok(AxialModes {
            d,
            log_z,
            a,
            gamma_x,
            gamma_y,
            log_bound: 4.0 * (4.0 / (a * std::f64::consts::E)).ln(),
        })
    }

    /// `ln g(m)` up to a constant: `4 ln m − m + (d−1) ln(1 − e^{−m})`.
    pub fn log_m_density(&self, m: f64) -> f64 {
        4.0 * m.ln() - m + (self.d - 1) as f64 * (-(-m).exp()).ln_1p()
    }

    /// `ln I_d` by composite Gauss–Legendre on [0, 120 + 2 ln d] in panels of width ~0.25:
    /// the integrand is smooth, peaks near m ≈ 4 + ln d and is below e^{−100} of its peak
    /// beyond the upper limit.
    fn log_i(d: usize) -> f64 {
        let dm1 = (d - 1) as f64;
        let hi = 120.0 + 2.0 * (d as f64).ln();
        let panels = (hi / 0.25).ceil() as usize;
        integrate(
            |m| (4.0 * m.ln() - m + dm1 * (-(-m).exp()).ln_1p()).exp(),
            0.0,
            hi,
            panels,
        )
        .ln()
    }

    /// `∫_0^t g(m) dm / ∫_0^∞ g(m) dm`, the CDF of `‖x‖_∞` (for tests).
    pub fn max_norm_cdf(&self, t: f64) -> f64 {
        let f = |m: f64| self.log_m_density(m).exp();
        let hi = 120.0 + 2.0 * (self.d as f64).ln();
        let panels = |w: f64| ((w / 0.25).ceil() as usize).max(1);
        integrate(f, 0.0, t.min(hi), panels(t.min(hi))) / integrate(f, 0.0, hi, panels(hi))
    }

    fn sample_max_norm(&self, rng: &mut StreamRng) -> f64 {
        loop {
            let x: f64 = self.gamma_x.sample(rng);
            let y: f64 = self.gamma_y.sample(rng);
            let m = (y / x).ln_1p();
            let log_acc = 4.0 * m.ln() - self.a * m - self.log_bound;
            // A NaN or infinite m (x = 0) fails the comparison and is redrawn.
            if uniform(rng).ln() < log_acc {
                return m;
            }
        }
    }
}

impl Target for AxialModes {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let (mut inf, mut l1) = (0.0f64, 0.0);
        for v in x {
            let a = v.abs();
            inf = inf.max(a);
            l1 += a;
        }
        4.0 * inf.ln() - l1
    }
    fn log_z(&self) -> Option<f64> {
        Some(self.log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
}

impl GradTarget for AxialModes {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (mut inf, mut l1, mut jstar) = (0.0f64, 0.0, 0);
        for (j, (v, g)) in x.iter().zip(grad.iter_mut()).enumerate() {
            let a = v.abs();
            if a > inf {
                inf = a;
                jstar = j;
            }
            l1 += a;
            *g = if *v > 0.0 {
                -1.0
            } else if *v < 0.0 {
                1.0
            } else {
                0.0
            };
        }
        if inf > 0.0 {
            grad[jstar] += 4.0 / x[jstar];
        }
        4.0 * inf.ln() - l1
    }
}

impl ExactSampler for AxialModes {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        let m = self.sample_max_norm(rng);
        let jstar = ((uniform(rng) * self.d as f64) as usize).min(self.d - 1);
        let tail = -(-m).exp_m1(); // 1 − e^{−m}
        for (j, o) in out.iter_mut().enumerate() {
            let sign = if uniform(rng) < 0.5 { -1.0 } else { 1.0 };
            *o = sign
                * if j == jstar {
                    m
                } else {
                    // Inverse CDF of |Laplace| truncated to [0, m]; clamped against rounding.
                    (-(-uniform(rng) * tail).ln_1p()).min(m)
                };
        }
    }
}
