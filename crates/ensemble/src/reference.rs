//! The reference Gaussian `N(c, s² I)` both diffusions run against, and the pilot
//! that finds it when the user gives no `reference_scale`.
//!
//! Both samplers work in the reference's coordinates `u = (x − c)/s`, where the
//! target is `π̃_s(u) ∝ π̃(c + s u)` (the Jacobian `s^d` is a constant): the Föllmer
//! process `dX = b dt + s dW` from `X_0 = c` becomes the unit-scale process from 0,
//! and the OU process of `ou-ensemble` has stationary law `N(c, s² I)`.
//!
//! **Why the scale matters.** At t = 0 the Föllmer drift is an importance average
//! over draws of the reference itself: with s = 1 and modes 10 apart the draws
//! never reach the far modes and their weight is lost for good.
//!
//! **The pilot rule (ours).** Round j draws P points `x = c_0 + s_j ε` with
//! `s_j = s_0 · 2^{j/2}` (ε a shifted lattice; `c_0`, `s_0` the mean and RMS spread
//! of the initial positions, `s_0 ≥ 1`), weights `w ∝ π̃(x)/N(x; c_0, s_j² I)`, and
//! records the effective sample size `ESS = (Σw)²/Σw²`, the weighted mean and the
//! weighted covariance. A proposal too narrow misses modes and reports a small
//! spread (often with a *large* ESS: for the ZOD-MC mixture the round matched to
//! the central component has the highest ESS and sees nothing of the others); one
//! wide enough reports the whole spread. So the rule takes, among the rounds whose
//! ESS reaches `max(8, P/512)` (enough weighted draws for a rough covariance
//! estimate: 32 at P = 16384; a proposal of N(0, 32² I) has ESS ≈ P/270 on the
//! ZOD-MC mixture at R = 26, whose modes are narrow), the one with the **largest** estimated spread `λ_max(Σ̂)`, and
//! sets `c = μ̂`, `s = √λ_max(Σ̂)`: the smallest isotropic reference whose
//! variance dominates the target's in every direction. That choice keeps the Stein
//! weights `π̃(y) e^{|y|²/2}` of the Föllmer drift square-integrable under their
//! proposal `N(u, (1 − t) I)` at every t for a Gaussian-tailed target: per direction
//! of variance `v ≤ 1` the exponent of `π̃² e^{|y|²} N(y; u, 1 − t)` is
//! `y² (1 − 1/v − 1/(2(1 − t))) < 0`, where the moment-matched isotropic scale would
//! leave directions with v > 2 and weights of infinite variance near t = 0.
//!
//! Every round runs (no early exit), so the pilot's cost is known before the run:
//! `rounds · P` density evaluations.

use crate::config::PilotConfig;
use sampo_core::qmc::Lattice;
use sampo_core::rng::stream;
use sampo_core::{CoreError, Particles, Target};
use serde::{Deserialize, Serialize};

/// Salt of the pilot's random streams (one per round), apart from the particles'.
pub const PILOT_SALT: u64 = 0x9170_7E57;

/// `N(c, s² I)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The centre c.
    pub center: Vec<f64>,
    /// The scale s > 0.
    pub scale: f64,
}

impl Reference {
    /// `x = c + s u`, into `x`.
    #[inline]
    pub fn to_target(&self, u: &[f64], x: &mut [f64]) {
        for ((xi, ui), ci) in x.iter_mut().zip(u).zip(&self.center) {
            *xi = ci + self.scale * ui;
        }
    }
}

/// What the pilot found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PilotReport {
    /// The reference chosen.
    pub reference: Reference,
    /// The scale `s_j` of the best round.
    pub best_scale: f64,
    /// That round's effective sample size.
    pub best_ess: f64,
    /// Density evaluations spent.
    pub evaluations: u64,
}

/// Draws per pilot round for a run whose whole budget is `total` density
/// evaluations (`None`: unlimited): the configured P, cut so the pilot takes at
/// most a quarter of the budget, and at least 16.
pub fn pilot_samples(config: &PilotConfig, total: Option<u64>) -> usize {
    match total {
        None => config.samples,
        Some(t) => config
            .samples
            .min((t / (4 * config.rounds as u64)) as usize)
            .max(16),
    }
}

/// Runs the pilot (module docs) with P = `samples` draws per round, starting from
/// the initial positions `x0`.
pub fn pilot(
    target: &dyn Target,
    x0: &Particles,
    config: &PilotConfig,
    samples: usize,
    seed: u64,
) -> Result<PilotReport, CoreError> {
    let d = target.dim();
    let n0 = x0.len().max(1) as f64;
    let c0 = x0.mean();
    let spread2 = x0
        .rows()
        .map(|r| {
            r.iter()
                .zip(&c0)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum::<f64>()
        / (n0 * d as f64);
    let s0 = spread2.sqrt().max(1.0);
    let lattice = Lattice::korobov(samples, d);
    let mut eps = vec![0.0; samples * d];
    let mut xs = vec![0.0; samples * d];
    let mut lp = vec![0.0; samples];
    let mut shift = vec![0.0; d];
    let ess_min = (samples as f64 / 512.0).max(8.0);
    // (λ_max, ESS, s_j, mean) of the best round so far, and of the largest-ESS one.
    let mut best: Option<(f64, f64, f64, Vec<f64>)> = None;
    let mut top: Option<(f64, f64, f64, Vec<f64>)> = None;
    for j in 0..config.rounds {
        let s = s0 * (0.5 * j as f64).exp2();
        let mut rng = stream(seed ^ PILOT_SALT, j as u64);
        lattice.fill_standard_normal(&mut rng, &mut shift, &mut eps);
        for (x, e) in xs.chunks_exact_mut(d).zip(eps.chunks_exact(d)) {
            for ((xi, ei), ci) in x.iter_mut().zip(e).zip(&c0) {
                *xi = ci + s * ei;
            }
        }
        target.log_density_batch(&xs, &mut lp);
        // log w = log π̃(x) − log N(x; c0, s² I) = log π̃(x) + |ε|²/2 + const.
        for (l, e) in lp.iter_mut().zip(eps.chunks_exact(d)) {
            let r2: f64 = e.iter().map(|v| v * v).sum();
            *l = if l.is_nan() {
                f64::NEG_INFINITY
            } else {
                *l + 0.5 * r2
            };
        }
        let Some((ess, mean, cov)) = weighted_moments(&lp, &xs, d) else {
            continue;
        };
        let lambda = largest_eigenvalue(&cov, d);
        if top.as_ref().is_none_or(|b| ess > b.1) {
            top = Some((lambda, ess, s, mean.clone()));
        }
        if ess >= ess_min && best.as_ref().is_none_or(|b| lambda > b.0) {
            best = Some((lambda, ess, s, mean));
        }
    }
    let evaluations = (config.rounds * samples) as u64;
    let none = || CoreError::Unsupported {
        reason: format!(
            "the reference-scale pilot found no mass: every one of its {} rounds of {samples} \
             draws (scales {s0:.3} to {:.3e} around the initial positions' mean) had at most \
             one draw of non-negligible weight; give reference_scale (and center)",
            config.rounds,
            s0 * (0.5 * (config.rounds - 1) as f64).exp2()
        ),
    };
    // No round reached ess_min: the largest-ESS round, if it saw anything.
    let (lambda, ess, best_scale, mean) = best.or(top).ok_or_else(none)?;
    if ess < 2.0 {
        return Err(none());
    }
    if !(lambda > 0.0 && lambda.is_finite()) {
        return Err(CoreError::invalid(
            "reference_scale",
            "pilot",
            format!(
                "the pilot's covariance estimate is degenerate (largest eigenvalue {lambda}); \
                 give reference_scale"
            ),
        ));
    }
    Ok(PilotReport {
        reference: Reference {
            center: mean,
            scale: lambda.sqrt(),
        },
        best_scale,
        best_ess: ess,
        evaluations,
    })
}

/// ESS, mean and covariance (d × d) of the points `xs` under log weights `lw`;
/// `None` when every weight vanishes.
fn weighted_moments(lw: &[f64], xs: &[f64], d: usize) -> Option<(f64, Vec<f64>, Vec<f64>)> {
    let max = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return None;
    }
    let w: Vec<f64> = lw.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    let sq: f64 = w.iter().map(|v| v * v).sum();
    let mut mean = vec![0.0; d];
    for (wi, x) in w.iter().zip(xs.chunks_exact(d)) {
        for (m, xi) in mean.iter_mut().zip(x) {
            *m += wi * xi;
        }
    }
    mean.iter_mut().for_each(|m| *m /= total);
    let mut cov = vec![0.0; d * d];
    for (wi, x) in w.iter().zip(xs.chunks_exact(d)) {
        for a in 0..d {
            let da = x[a] - mean[a];
            for b in 0..d {
                cov[a * d + b] += wi * da * (x[b] - mean[b]);
            }
        }
    }
    cov.iter_mut().for_each(|c| *c /= total);
    Some((total * total / sq, mean, cov))
}

/// The largest eigenvalue of a symmetric positive semi-definite d × d matrix, by
/// power iteration (d is small here; 500 iterations from a fixed start make it
/// deterministic, and the Rayleigh quotient converges quadratically in the angle).
pub fn largest_eigenvalue(a: &[f64], d: usize) -> f64 {
    // A start with a component along every axis (1, 1/2, 1/3, …).
    let mut v: Vec<f64> = (0..d).map(|i| 1.0 / (i + 1) as f64).collect();
    let mut av = vec![0.0; d];
    let mut lambda = 0.0;
    for _ in 0..500 {
        for (i, o) in av.iter_mut().enumerate() {
            *o = (0..d).map(|j| a[i * d + j] * v[j]).sum();
        }
        let norm = av.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        lambda = v.iter().zip(&av).map(|(x, y)| x * y).sum::<f64>()
            / v.iter().map(|x| x * x).sum::<f64>();
        v.iter_mut().zip(&av).for_each(|(x, y)| *x = y / norm);
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_iteration_finds_the_top_eigenvalue() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let l = largest_eigenvalue(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((l - 3.0).abs() < 1e-12, "{l}");
        let l = largest_eigenvalue(&[0.5, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 1.0], 3);
        assert!((l - 4.0).abs() < 1e-12, "{l}");
    }
}
