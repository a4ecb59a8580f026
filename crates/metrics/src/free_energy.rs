//! 1-D free-energy profiles and ΔF between two wells, with importance reweighting.
//!
//! This is the SNF double-well analysis (samplers-b.md §2.4–2.6, anchor A1): histogram
//! a reaction coordinate (there x₁), `F(x) = −ln p(x)` in units of kT, shifted so that
//! the minimum is 0; with importance weights (flow samples reweighted to the target)
//! each sample counts with its self-normalized weight
//! `w̄_i = exp(ℓ_i − max_j ℓ_j) / Σ_j exp(ℓ_j − max_j ℓ_j)` for log weights ℓ_i
//! (max-subtracted before exp, so no overflow). Without weights every w̄_i = 1/n.
//!
//! **Standard errors** come from the delta method for the self-normalized estimator
//! `p̂_b = Σ_i w̄_i 1[x_i ∈ b]`: `Var p̂_b ≈ Σ_i w̄_i² (1[x_i ∈ b] − p̂_b)²` (the
//! usual delta-method variance of self-normalized importance sampling, e.g. Owen,
//! *Monte Carlo theory, methods and examples*, ch. 9), which is p(1−p)/n
//! without weights; then `SE(F_b) = SE(p̂_b)/p̂_b`. They assume independent samples
//! (for MCMC output divide n by the IAT) and omit the error of the shift.
//!
//! `ΔF = F_left − F_right = −ln(P(x < split)/P(x ≥ split))` is the free-energy
//! difference between the wells (SNF: 1.69 kT for the double well with split 0), with
//! `SE = SE(P̂_L) / (P̂_L (1 − P̂_L))` by the same delta method.
//!
//! Empty bins get `F = +∞` (and SE +∞), never NaN.

use crate::MetricError;
use crate::histogram::Binning1d;
use crate::weights::weights_from_log;
use serde::{Deserialize, Serialize};

/// A free-energy profile on equal bins (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeEnergyProfile {
    /// Bin centres.
    pub centers: Vec<f64>,
    /// `F_b = −ln p̂_b − min_b(−ln p̂_b)` in kT; +∞ for bins without weight.
    pub free_energy: Vec<f64>,
    /// Delta-method standard error of F_b (before the shift); +∞ for empty bins.
    pub std_err: Vec<f64>,
    /// p̂_b: the weighted fraction of *all* samples in bin b (out-of-range samples
    /// count in the denominator).
    pub probabilities: Vec<f64>,
    /// Raw (unweighted) number of samples per bin.
    pub counts: Vec<u64>,
    /// Kish effective sample size per bin, (Σ_b w)² / Σ_b w².
    pub bin_ess: Vec<f64>,
    /// Kish effective sample size of all samples, (Σ w)² / Σ w².
    pub ess: f64,
    /// The number of samples.
    pub n: usize,
}

/// Self-normalized weights from optional log weights (max-subtracted).
fn normalized_weights(n: usize, log_weights: Option<&[f64]>) -> Result<Vec<f64>, MetricError> {
    let Some(lw) = log_weights else {
        return Ok(vec![1.0 / n as f64; n]);
    };
    if lw.len() != n {
        return Err(MetricError::invalid(
            "log_weights",
            format!("{} log weights for {n} samples", lw.len()),
        ));
    }
    let w = weights_from_log(lw)?;
    let s: f64 = w.iter().sum();
    Ok(w.into_iter().map(|v| v / s).collect())
}

fn check_x(x: &[f64]) -> Result<(), MetricError> {
    if x.is_empty() {
        return Err(MetricError::invalid("x", "empty"));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(
            "x",
            format!("non-finite value at index {i}"),
        ));
    }
    Ok(())
}

fn kish(sum: f64, sum_sq: f64) -> f64 {
    if sum_sq > 0.0 {
        sum * sum / sum_sq
    } else {
        0.0
    }
}

/// The free-energy profile of the 1-D samples `x` (optionally reweighted by
/// `log_weights`) on `bins` equal bins over `range`. Errors name `x`, `log_weights`,
/// `binning.bins` or `binning.range`.
pub fn profile_1d(
    x: &[f64],
    log_weights: Option<&[f64]>,
    bins: usize,
    range: (f64, f64),
) -> Result<FreeEnergyProfile, MetricError> {
    let binning = Binning1d::new(bins, range)?;
    check_x(x)?;
    let w = normalized_weights(x.len(), log_weights)?;
    let mut p = vec![0.0; bins];
    let mut w2 = vec![0.0; bins];
    let mut counts = vec![0u64; bins];
    let mut bin_of = Vec::with_capacity(x.len());
    for (&xi, &wi) in x.iter().zip(&w) {
        let b = binning.index(xi);
        if let Some(b) = b {
            p[b] += wi;
            w2[b] += wi * wi;
            counts[b] += 1;
        }
        bin_of.push(b);
    }
    // Σ_i w̄_i² (1_b(x_i) − p_b)² = Σ_{i∈b} w̄_i² (1 − 2 p_b) + p_b² Σ_i w̄_i².
    let total_w2: f64 = w.iter().map(|v| v * v).sum();
    let raw: Vec<f64> = p
        .iter()
        .map(|&pb| if pb > 0.0 { -pb.ln() } else { f64::INFINITY })
        .collect();
    let min = raw.iter().copied().fold(f64::INFINITY, f64::min);
    let free_energy = raw
        .iter()
        .map(|&f| {
            if f.is_finite() {
                f - min
            } else {
                f64::INFINITY
            }
        })
        .collect();
    let std_err = p
        .iter()
        .zip(&w2)
        .map(|(&pb, &qb)| {
            if pb > 0.0 {
                let var = (qb * (1.0 - 2.0 * pb) + pb * pb * total_w2).max(0.0);
                var.sqrt() / pb
            } else {
                f64::INFINITY
            }
        })
        .collect();
    let bin_ess = p.iter().zip(&w2).map(|(&s, &q)| kish(s, q)).collect();
    Ok(FreeEnergyProfile {
        centers: binning.centers(),
        free_energy,
        std_err,
        probabilities: p,
        counts,
        bin_ess,
        ess: kish(1.0, total_w2),
        n: x.len(),
    })
}

/// How a profile compares with a reference free energy at the bin centres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProfileComparison {
    /// SNF's bias (samplers-b.md §2.6 A1, step 4): |mean over used bins of
    /// (F_ref − F)| with both curves shifted to min 0 over the used bins.
    pub bias: f64,
    /// RMS of F − F_ref after the best constant shift (the mean difference).
    pub rms: f64,
    /// Bins used: centre inside the window and F finite.
    pub bins_used: usize,
}

impl FreeEnergyProfile {
    /// Compares with `reference(x)` (e.g. u(x₁, 0) for the double well) on bins whose
    /// centre lies in `window` and whose F is finite (SNF uses −2.25 < x₁ < 2.25).
    /// `None` when no bin qualifies.
    pub fn compare(
        &self,
        reference: impl Fn(f64) -> f64,
        window: (f64, f64),
    ) -> Option<ProfileComparison> {
        let used: Vec<(f64, f64)> = self
            .centers
            .iter()
            .zip(&self.free_energy)
            .filter(|(c, f)| **c > window.0 && **c < window.1 && f.is_finite())
            .map(|(&c, &f)| (f, reference(c)))
            .collect();
        if used.is_empty() {
            return None;
        }
        let k = used.len() as f64;
        let fmin = used.iter().map(|u| u.0).fold(f64::INFINITY, f64::min);
        let rmin = used.iter().map(|u| u.1).fold(f64::INFINITY, f64::min);
        let mean_diff = used
            .iter()
            .map(|(f, r)| (r - rmin) - (f - fmin))
            .sum::<f64>()
            / k;
        let rms = (used
            .iter()
            .map(|(f, r)| ((r - rmin) - (f - fmin) - mean_diff).powi(2))
            .sum::<f64>()
            / k)
            .sqrt();
        Some(ProfileComparison {
            bias: mean_diff.abs(),
            rms,
            bins_used: used.len(),
        })
    }
}

/// ΔF with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeltaF {
    /// `−ln(P̂_L / (1 − P̂_L))` in kT (±∞ if one side has no weight).
    pub value: f64,
    /// Delta-method SE (module docs); +∞ if one side has no weight.
    pub se: f64,
    /// P̂_L = weighted fraction of samples with x < split.
    pub p_left: f64,
    /// Kish ESS of the weights.
    pub ess: f64,
}

/// ΔF = F_left − F_right = −ln(P(x < split) / P(x ≥ split)) from the 1-D samples `x`
/// and optional `log_weights` (as the SNF paper's ΔF between the wells).
pub fn delta_f(x: &[f64], log_weights: Option<&[f64]>, split: f64) -> Result<f64, MetricError> {
    delta_f_with_se(x, log_weights, split).map(|r| r.value)
}

/// [`delta_f`] with its delta-method standard error, P̂_L and the ESS.
/// Errors name `x`, `log_weights` or `split`.
pub fn delta_f_with_se(
    x: &[f64],
    log_weights: Option<&[f64]>,
    split: f64,
) -> Result<DeltaF, MetricError> {
    check_x(x)?;
    if split.is_nan() {
        return Err(MetricError::invalid("split", "NaN"));
    }
    let w = normalized_weights(x.len(), log_weights)?;
    let mut pl = 0.0;
    let mut wl2 = 0.0;
    let mut w2 = 0.0;
    for (&xi, &wi) in x.iter().zip(&w) {
        w2 += wi * wi;
        if xi < split {
            pl += wi;
            wl2 += wi * wi;
        }
    }
    let pl = pl.min(1.0);
    let pr = 1.0 - pl;
    let (value, se) = if pl > 0.0 && pr > 0.0 {
        let var = (wl2 * (1.0 - 2.0 * pl) + pl * pl * w2).max(0.0);
        (pr.ln() - pl.ln(), var.sqrt() / (pl * pr))
    } else if pl > 0.0 {
        (f64::NEG_INFINITY, f64::INFINITY)
    } else {
        (f64::INFINITY, f64::INFINITY)
    };
    Ok(DeltaF {
        value,
        se,
        p_left: pl,
        ess: kish(1.0, w2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng::{fill_standard_normal, standard_normal, stream, uniform};
    use statrs::distribution::{ContinuousCDF, Normal};

    fn normals(n: usize, sd: f64, seed: u64) -> Vec<f64> {
        let mut v = vec![0.0; n];
        fill_standard_normal(&mut stream(seed, 0), &mut v);
        v.iter_mut().for_each(|x| *x *= sd);
        v
    }

    /// Checks a profile against the exact N(0,1) bin free energies
    /// −ln(Φ(e_{b+1}) − Φ(e_b)) (= x_c²/2 + const up to ln(1 + w²(x_c² − 1)/24), at
    /// most 0.012 here): after the inverse-variance weighted constant shift c, every
    /// bin within 4.5 of its SE (two-sided 7e-6 per bin), and Σ z² between the χ²₂₉
    /// 0.0001 and 0.9999 quantiles (≈ 8.6 and 66, Wilson–Hilferty; B = 30 bins less the
    /// fitted shift): an SE off by a factor 2 either way (Σ z² ≈ 7 or 116) fails.
    fn check_standard_normal_profile(prof: &FreeEnergyProfile) {
        let nrm = Normal::new(0.0, 1.0).unwrap();
        let b = Binning1d::new(prof.centers.len(), (-3.0, 3.0)).unwrap();
        let e = b.edges();
        let truth: Vec<f64> = e
            .windows(2)
            .map(|w| -(nrm.cdf(w[1]) - nrm.cdf(w[0])).ln())
            .collect();
        let (mut sw, mut swd) = (0.0, 0.0);
        for ((f, t), s) in prof.free_energy.iter().zip(&truth).zip(&prof.std_err) {
            sw += 1.0 / (s * s);
            swd += (f - t) / (s * s);
        }
        let c = swd / sw;
        let mut chi2 = 0.0;
        for (i, ((f, t), s)) in prof
            .free_energy
            .iter()
            .zip(&truth)
            .zip(&prof.std_err)
            .enumerate()
        {
            let z = (f - t - c) / s;
            assert!(
                z.abs() < 4.5,
                "bin {i} at {}: F {f}, truth {}, se {s}",
                prof.centers[i],
                t + c
            );
            chi2 += z * z;
        }
        assert!(chi2 > 8.0 && chi2 < 70.0, "Σz² = {chi2}");
        // The profile is min-shifted: its minimum is 0 and sits at the centre bins.
        let min = prof
            .free_energy
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert_eq!(min, 0.0);
        // F(x) ≈ x²/2 at the outermost bin: 2.9²/2 = 4.205 minus the centre bins' ≈ 0.005.
        assert!((prof.free_energy[0] - (4.205 - 0.005)).abs() < 4.5 * prof.std_err[0] + 0.02);
    }

    #[test]
    fn standard_normal_profile_is_half_x_squared() {
        let x = normals(200_000, 1.0, 1);
        let prof = profile_1d(&x, None, 30, (-3.0, 3.0)).unwrap();
        assert!((prof.ess - 200_000.0).abs() < 1e-3);
        // Unweighted SE = √((1 − p)/(n p)).
        let p = prof.probabilities[15];
        assert!((prof.std_err[15] - ((1.0 - p) / (200_000.0 * p)).sqrt()).abs() < 1e-12);
        check_standard_normal_profile(&prof);
    }

    /// Samples from N(0, 2²) with log weights ln N(x; 0, 1) − ln N(x; 0, 2²) reproduce
    /// the N(0,1) profile. Kish ESS/n → 1/∫φ₁²/φ₂ = √7/4 ≈ 0.661.
    #[test]
    fn reweighted_profile_recovers_target() {
        let x = normals(200_000, 2.0, 2);
        let lw: Vec<f64> = x
            .iter()
            .map(|v| -0.5 * v * v + v * v / 8.0 + 2f64.ln())
            .collect();
        let prof = profile_1d(&x, Some(&lw), 30, (-3.0, 3.0)).unwrap();
        let ratio = prof.ess / 200_000.0;
        assert!((ratio - 7f64.sqrt() / 4.0).abs() < 0.01, "ESS/n = {ratio}");
        check_standard_normal_profile(&prof);
        // The unweighted profile of the same samples is far off (F ≈ x²/8).
        let wrong = profile_1d(&x, None, 30, (-3.0, 3.0)).unwrap();
        assert!(wrong.free_energy[0] < 2.0, "{:?}", wrong.free_energy[0]);
    }

    /// Exact draws of 0.2 N(−2, ½²) + 0.8 N(2, ½²): ΔF = −ln(P_L/(1 − P_L)) with
    /// P_L = 0.2Φ(4) + 0.8Φ(−4) ≈ 0.2 (ΔF ≈ ln 4), within 4 reported SE; the reported
    /// SE equals 1/√(n P̂_L(1 − P̂_L)). Then the same ΔF from an equal-weight mixture
    /// reweighted by the exact density ratio.
    #[test]
    fn delta_f_of_two_gaussian_mixture() {
        let nrm = Normal::new(0.0, 1.0).unwrap();
        let pl_true = 0.2 * nrm.cdf(4.0) + 0.8 * nrm.cdf(-4.0);
        let truth = -(pl_true / (1.0 - pl_true)).ln();
        assert!((truth - 4f64.ln()).abs() < 1e-3);
        let n = 100_000;
        let draw = |wl: f64, seed: u64| -> Vec<f64> {
            let mut rng = stream(seed, 0);
            (0..n)
                .map(|_| {
                    let m = if uniform(&mut rng) < wl { -2.0 } else { 2.0 };
                    m + 0.5 * standard_normal(&mut rng)
                })
                .collect()
        };
        let x = draw(0.2, 3);
        let r = delta_f_with_se(&x, None, 0.0).unwrap();
        let p = r.p_left;
        assert!((r.se - 1.0 / (n as f64 * p * (1.0 - p)).sqrt()).abs() < 1e-12);
        assert!((r.value - truth).abs() < 4.0 * r.se, "{r:?} vs {truth}");
        assert_eq!(delta_f(&x, None, 0.0).unwrap(), r.value);

        let y = draw(0.5, 4);
        let phi = |x: f64, m: f64| (-2.0 * (x - m) * (x - m)).exp(); // common factors cancel
        let lw: Vec<f64> = y
            .iter()
            .map(|&v| {
                let (a, b) = (phi(v, -2.0), phi(v, 2.0));
                ((0.2 * a + 0.8 * b) / (0.5 * a + 0.5 * b)).ln()
            })
            .collect();
        let r = delta_f_with_se(&y, Some(&lw), 0.0).unwrap();
        assert!((r.value - truth).abs() < 4.0 * r.se, "{r:?} vs {truth}");
        // With weights ∝ 0.4 / 1.6 on the two halves, ESS/n = 1/(0.5·0.4² + 0.5·1.6²)
        // = 1/1.36 ≈ 0.735.
        assert!((r.ess / n as f64 - 1.0 / 1.36).abs() < 0.01, "{r:?}");
    }

    #[test]
    fn empty_bins_are_infinite_not_nan() {
        let x = [0.1, 0.2, 0.3, 1.5];
        let prof =
            profile_1d(&x, Some(&[0.0, 0.0, f64::NEG_INFINITY, 0.0]), 4, (0.0, 4.0)).unwrap();
        assert_eq!(prof.counts, vec![3, 1, 0, 0]);
        // Weights 1/3 each on 0.1, 0.2, 1.5: p = (2/3, 1/3, 0, 0).
        assert!((prof.free_energy[1] - 2f64.ln()).abs() < 1e-12);
        assert_eq!(prof.free_energy[0], 0.0);
        assert_eq!(prof.free_energy[2], f64::INFINITY);
        assert_eq!(prof.std_err[3], f64::INFINITY);
        assert!(
            prof.free_energy
                .iter()
                .chain(&prof.std_err)
                .all(|v| !v.is_nan())
        );
        assert_eq!(delta_f(&x, None, 5.0).unwrap(), f64::NEG_INFINITY);
        assert_eq!(delta_f(&x, None, -1.0).unwrap(), f64::INFINITY);
        let c = prof.compare(|v| -(v.ln()), (0.0, 2.0)).unwrap();
        assert_eq!(c.bins_used, 2);
    }

    #[test]
    fn bad_inputs_name_the_argument() {
        let msg = |e: MetricError| e.to_string();
        assert!(msg(profile_1d(&[], None, 3, (0.0, 1.0)).unwrap_err()).contains("`x`"));
        assert!(msg(profile_1d(&[f64::NAN], None, 3, (0.0, 1.0)).unwrap_err()).contains("`x`"));
        assert!(
            msg(profile_1d(&[0.5], Some(&[0.0, 1.0]), 3, (0.0, 1.0)).unwrap_err())
                .contains("`log_weights`")
        );
        assert!(
            msg(profile_1d(&[0.5], Some(&[f64::NAN]), 3, (0.0, 1.0)).unwrap_err())
                .contains("`log_weights`")
        );
        assert!(msg(profile_1d(&[0.5], None, 0, (0.0, 1.0)).unwrap_err()).contains("binning.bins"));
        assert!(
            msg(profile_1d(&[0.5], None, 3, (1.0, 0.0)).unwrap_err()).contains("binning.range")
        );
        assert!(msg(delta_f(&[0.5], None, f64::NAN).unwrap_err()).contains("`split`"));
        assert!(
            msg(delta_f(&[0.5], Some(&[f64::NEG_INFINITY]), 0.0).unwrap_err())
                .contains("`log_weights`")
        );
    }
}
