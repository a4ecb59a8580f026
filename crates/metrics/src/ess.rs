//! Effective sample size, integrated autocorrelation time and Monte Carlo standard
//! error.
//!
//! For a stationary series with autocorrelations ρ_t, the integrated
//! autocorrelation time is τ = 1 + 2 Σ_{t≥1} ρ_t and ESS = n / τ. The sum is
//! truncated with Geyer's (1992) initial monotone sequence estimator: with
//! P_k = ρ̂_{2k} + ρ̂_{2k+1}, keep the initial run of positive P_k, make it
//! non-increasing (P_k ← min(P_k, P_{k−1})), and set τ̂ = −1 + 2 Σ_k P_k.
//! Autocovariances use the biased (divisor n) estimator, computed by FFT in
//! O(n log n), as Stan and ArviZ do.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Biased autocovariances γ̂_t = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄), t = 0..n−1.
pub fn autocovariance(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    // Zero-pad to ≥ 2n so the circular correlation equals the linear one.
    let m = (2 * n).next_power_of_two();
    let mut buf: Vec<Complex<f64>> = x
        .iter()
        .map(|v| Complex::new(v - mean, 0.0))
        .chain(std::iter::repeat_n(Complex::new(0.0, 0.0), m - n))
        .collect();
    let mut planner = FftPlanner::new();
    planner.plan_fft_forward(m).process(&mut buf);
    for c in buf.iter_mut() {
        *c = Complex::new(c.norm_sqr(), 0.0);
    }
    planner.plan_fft_inverse(m).process(&mut buf);
    // rustfft does not normalize: divide by m for the inverse and by n for the estimator.
    buf[..n]
        .iter()
        .map(|c| c.re / (m as f64 * n as f64))
        .collect()
}

/// Integrated autocorrelation time τ̂ by Geyer's initial monotone sequence.
/// Returns `None` for fewer than 4 draws or a constant series.
pub fn iat(x: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 4 {
        return None;
    }
    let acov = autocovariance(x);
    let g0 = acov[0];
    if g0.is_nan() || g0 <= 0.0 || !g0.is_finite() {
        return None;
    }
    let rho = |t: usize| if t < n { acov[t] / g0 } else { 0.0 };
    let mut sum = 0.0;
    let mut prev = f64::INFINITY;
    let mut k = 0;
    while 2 * k + 1 < n {
        let p = rho(2 * k) + rho(2 * k + 1);
        if p <= 0.0 {
            break;
        }
        let p = p.min(prev);
        sum += p;
        prev = p;
        k += 1;
    }
    Some(-1.0 + 2.0 * sum)
}

/// Effective sample size n / τ̂ of one chain (`0.0` when undefined).
pub fn ess(x: &[f64]) -> f64 {
    match iat(x) {
        Some(tau) if tau > 0.0 => x.len() as f64 / tau,
        _ => 0.0,
    }
}

/// Pooled mean of several independent chains and its Monte Carlo standard error
/// `sqrt(s² / Σ_c ESS_c)`, with s² the pooled sample variance.
pub fn mcse_mean(chains: &[Vec<f64>]) -> (f64, f64) {
    let n: usize = chains.iter().map(Vec::len).sum();
    if n < 2 {
        return (chains.iter().flatten().sum::<f64>(), f64::INFINITY);
    }
    let mean = chains.iter().flatten().sum::<f64>() / n as f64;
    let var = chains
        .iter()
        .flatten()
        .map(|v| (v - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    let ess_total: f64 = chains.iter().map(|c| ess(c)).sum();
    let mcse = if ess_total > 0.0 {
        (var / ess_total).sqrt()
    } else {
        f64::INFINITY
    };
    (mean, mcse)
}

/// Integrated autocorrelation time in the convention of the GPSS repository
/// (Schär, Habeck & Rudolf 2023, `code/mcmc_utils.py::iat`), which its authors cite as
/// the BDA heuristic (Gelman et al. 2013, §11.5).
///
/// With the biased autocorrelations ρ_l = γ̂_l / γ̂_0 of [`autocovariance`] for
/// l = 0..=maxl (default maxl = ⌊n/2⌋, capped at n − 1):
/// - pair sums start at lag 2: P_k = ρ_{2k+2} + ρ_{2k+3}, k = 0, 1, … while 2k+3 ≤ maxl;
/// - at the first k with P_k < 0, L = 1 + 2k (the negative pair is left out);
///   if no pair sum is negative, L = maxl (an odd maxl simply leaves the last,
///   unpaired lag inside the sum; the Python code requires an even maxl);
/// - τ̂ = 1 + max(2 Σ_{l=1}^{L} ρ_l, 0).
///
/// Unlike Geyer's [`iat`], the pairs are not made monotone and τ̂ ≥ 1 always.
/// Returns `None` for fewer than 4 draws, a constant or non-finite series, or
/// `maxl = Some(0)`.
pub fn iat_gpss(x: &[f64], maxl: Option<usize>) -> Option<f64> {
    let n = x.len();
    if n < 4 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let maxl = maxl.unwrap_or(n / 2).min(n - 1);
    if maxl == 0 {
        return None;
    }
    let acov = autocovariance(x);
    let g0 = acov[0];
    if !(g0 > 0.0 && g0.is_finite()) {
        return None;
    }
    let rho = |l: usize| acov[l] / g0;
    let mut last = maxl;
    let mut k = 0;
    while 2 * k + 3 <= maxl {
        if rho(2 * k + 2) + rho(2 * k + 3) < 0.0 {
            last = 1 + 2 * k;
            break;
        }
        k += 1;
    }
    let s: f64 = (1..=last).map(rho).sum();
    Some(1.0 + (2.0 * s).max(0.0))
}

/// Effective sample size n / τ̂ with τ̂ from [`iat_gpss`] (`0.0` when undefined).
pub fn ess_gpss(x: &[f64], maxl: Option<usize>) -> f64 {
    match iat_gpss(x, maxl) {
        Some(tau) => x.len() as f64 / tau,
        None => 0.0,
    }
}

/// Kish's effective sample size of importance weights, (Σ w_i)² / Σ w_i², from
/// log-weights. The maximum is subtracted first (w_i = exp(ℓ_i − max ℓ)), so
/// weights of any magnitude are safe. Returns a value in [1, n] for usable input,
/// `0.0` for an empty slice or when every weight is zero (all ℓ_i = −∞), and NaN
/// when some ℓ_i is NaN or +∞.
pub fn kish_ess(log_weights: &[f64]) -> f64 {
    if log_weights
        .iter()
        .any(|v| v.is_nan() || *v == f64::INFINITY)
    {
        return f64::NAN;
    }
    let max = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return 0.0;
    }
    let (s1, s2) = log_weights.iter().fold((0.0, 0.0), |(s1, s2), &l| {
        let w = (l - max).exp();
        (s1 + w, s2 + w * w)
    });
    s1 * s1 / s2
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    /// AR(1) x_t = φ x_{t−1} + e_t has τ = (1 + φ)/(1 − φ).
    fn ar1(phi: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut r = rng::stream(seed, 0);
        let mut x = rng::standard_normal(&mut r) / (1.0 - phi * phi).sqrt();
        (0..n)
            .map(|_| {
                x = phi * x + rng::standard_normal(&mut r);
                x
            })
            .collect()
    }

    #[test]
    fn autocovariance_matches_direct_sum() {
        let x = ar1(0.5, 257, 1);
        let a = autocovariance(&x);
        let n = x.len();
        let m = x.iter().sum::<f64>() / n as f64;
        for t in [0, 1, 5, 100, 256] {
            let d: f64 = (0..n - t).map(|i| (x[i] - m) * (x[i + t] - m)).sum::<f64>() / n as f64;
            assert!(
                (a[t] - d).abs() < 1e-12 * (1.0 + d.abs()),
                "lag {t}: {} vs {d}",
                a[t]
            );
        }
    }

    #[test]
    fn iat_of_ar1_matches_closed_form() {
        // Var(τ̂) for the IMS estimator is roughly (2(2M+1)/n) τ² (Sokal) with window
        // M ≈ a few τ; at n = 2e5 and τ = 19 that is a relative sd under 3%, so 15%
        // is about 5 sd.
        for (phi, seed) in [(0.0, 2), (0.5, 3), (0.9, 4)] {
            let tau = (1.0 + phi) / (1.0 - phi);
            let est = iat(&ar1(phi, 200_000, seed)).unwrap();
            assert!(
                (est / tau - 1.0).abs() < 0.15,
                "phi {phi}: τ̂ {est} vs {tau}"
            );
        }
    }

    #[test]
    fn mcse_covers_truth_for_ar1() {
        // 200 replicate AR(1) chains: |mean| / mcse should be N(0,1)-like. Count
        // exceedances of 2: binomial(200, 0.0455) has mean 9.1, sd 2.9.
        let mut exceed = 0;
        for s in 0..200 {
            let (m, se) = mcse_mean(&[ar1(0.8, 4000, 100 + s)]);
            if (m / se).abs() > 2.0 {
                exceed += 1;
            }
        }
        assert!(
            (0..=21).contains(&exceed),
            "{exceed} exceedances of 2 sd out of 200"
        );
        assert!(iat(&[1.0; 10]).is_none());
        assert_eq!(ess(&[1.0, 2.0]), 0.0);
    }

    #[test]
    fn iat_gpss_of_ar1_matches_closed_form() {
        // τ = (1 + φ)/(1 − φ). The truncated-window estimator has relative sd about
        // sqrt(2(2L+1)/n) (Sokal) with L a few τ; at n = 2e5, τ = 19, L ≈ 60 that is
        // ≈ 3.5%, so 15% is over 4 sd (and the truncation bias, ≈ φ^L, is negligible).
        for (phi, seed) in [(0.0, 12), (0.5, 13), (0.9, 14)] {
            let tau = (1.0 + phi) / (1.0 - phi);
            let x = ar1(phi, 200_000, seed);
            let est = iat_gpss(&x, None).unwrap();
            assert!(
                (est / tau - 1.0).abs() < 0.15,
                "phi {phi}: τ̂ {est} vs {tau}"
            );
            let e = ess_gpss(&x, None);
            assert!((e - x.len() as f64 / est).abs() < 1e-9 * e);
        }
    }

    #[test]
    fn iat_gpss_follows_the_pair_rule_exactly() {
        // Alternating series: ρ_l ≈ (−1)^l (n − l)/n, so every pair sum is a small
        // positive number and the sum runs to maxl; compare with a direct evaluation
        // of the rule for even, odd and default maxl.
        let x: Vec<f64> = (0..101)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let acov = autocovariance(&x);
        let rho: Vec<f64> = acov.iter().map(|g| g / acov[0]).collect();
        for maxl in [Some(7usize), Some(8), None] {
            let m = maxl.unwrap_or(50);
            let mut last = m;
            let mut k = 0;
            while 2 * k + 3 <= m {
                if rho[2 * k + 2] + rho[2 * k + 3] < 0.0 {
                    last = 2 * k + 1;
                    break;
                }
                k += 1;
            }
            let want = 1.0 + (2.0 * rho[1..=last].iter().sum::<f64>()).max(0.0);
            let got = iat_gpss(&x, maxl).unwrap();
            assert!((got - want).abs() < 1e-12, "maxl {maxl:?}: {got} vs {want}");
            assert!(got >= 1.0);
        }
        // Strongly negatively correlated: 2Σρ < 0 is clamped, τ̂ = 1.
        assert_eq!(iat_gpss(&x, Some(1)), Some(1.0));
        assert!(iat_gpss(&[1.0; 8], None).is_none());
        assert!(iat_gpss(&[1.0, 2.0, 3.0], None).is_none());
        assert!(iat_gpss(&[1.0, 2.0, f64::NAN, 3.0, 4.0], None).is_none());
        assert!(iat_gpss(&[1.0, 2.0, 3.0, 4.0], Some(0)).is_none());
        assert_eq!(ess_gpss(&[1.0; 8], None), 0.0);
    }

    #[test]
    fn kish_ess_closed_forms() {
        // Equal weights: n. One dominant weight: 1. Weights (1, 1, 2): 16/6.
        assert!((kish_ess(&[3.0; 10]) - 10.0).abs() < 1e-12);
        assert!((kish_ess(&[0.0, -1e4, -1e4]) - 1.0).abs() < 1e-12);
        let lw = [0.0, 0.0, 2f64.ln()];
        assert!((kish_ess(&lw) - 16.0 / 6.0).abs() < 1e-12);
        // Shift invariance, and no overflow at huge log-weights.
        let shifted: Vec<f64> = lw.iter().map(|l| l + 1e5).collect();
        assert!((kish_ess(&shifted) - 16.0 / 6.0).abs() < 1e-9);
        assert_eq!(kish_ess(&[]), 0.0);
        assert_eq!(kish_ess(&[f64::NEG_INFINITY; 3]), 0.0);
        assert!((kish_ess(&[0.0, f64::NEG_INFINITY]) - 1.0).abs() < 1e-12);
        assert!(kish_ess(&[0.0, f64::NAN]).is_nan());
        assert!(kish_ess(&[0.0, f64::INFINITY]).is_nan());
    }
}
