//! Goodness-of-fit helpers: Kolmogorov–Smirnov and χ² p-values.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Significance level of every KS / χ² test in this crate.
pub const ALPHA: f64 = 1e-3;

/// Kolmogorov's limiting survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut s = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let t = (-2.0 * kf * kf * lambda * lambda).exp();
        s += if k % 2 == 1 { t } else { -t };
        if t < 1e-17 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// KS statistic D_n of sorted samples whose CDF values are `f` (same order).
pub fn ks_statistic_from_cdf(f: &[f64]) -> f64 {
    let n = f.len() as f64;
    f.iter()
        .enumerate()
        .map(|(i, &fi)| ((i as f64 + 1.0) / n - fi).max(fi - i as f64 / n))
        .fold(0.0, f64::max)
}

/// One-sample KS p-value (Stephens' finite-n correction of the Kolmogorov limit).
pub fn ks_pvalue(samples: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let f: Vec<f64> = s.iter().map(|&x| cdf(x)).collect();
    ks_pvalue_from_sorted_cdf(&f)
}

/// KS p-value given the CDF at the sorted samples.
pub fn ks_pvalue_from_sorted_cdf(f: &[f64]) -> f64 {
    let n = f.len() as f64;
    let d = ks_statistic_from_cdf(f);
    kolmogorov_q((n.sqrt() + 0.12 + 0.11 / n.sqrt()) * d)
}

/// Asserts a KS test passes at [`ALPHA`].
pub fn assert_ks(what: &str, samples: &[f64], cdf: impl Fn(f64) -> f64) {
    let p = ks_pvalue(samples, cdf);
    assert!(p >= ALPHA, "{what}: KS p-value {p:e} < {ALPHA}");
}

/// Pearson χ² p-value of counts against probabilities (which must sum to 1).
pub fn chi2_pvalue(counts: &[u64], probs: &[f64]) -> f64 {
    let n: u64 = counts.iter().sum();
    let stat: f64 = counts
        .iter()
        .zip(probs)
        .map(|(&c, &p)| {
            let e = p * n as f64;
            (c as f64 - e).powi(2) / e
        })
        .sum();
    let dof = (counts.len() - 1) as f64;
    1.0 - ChiSquared::new(dof).unwrap().cdf(stat)
}

/// Asserts a χ² test passes at [`ALPHA`]; every expected count must be ≥ 5.
pub fn assert_chi2(what: &str, counts: &[u64], probs: &[f64]) {
    let n: u64 = counts.iter().sum();
    for p in probs {
        assert!(p * n as f64 >= 5.0, "{what}: expected count below 5");
    }
    let p = chi2_pvalue(counts, probs);
    assert!(
        p >= ALPHA,
        "{what}: χ² p-value {p:e} < {ALPHA}; counts {counts:?}"
    );
}

/// Asserts |mean − μ| ≤ 4 σ/√n.
pub fn assert_mean(what: &str, xs: &[f64], mu: f64, sigma: f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let z = (m - mu) / (sigma / n.sqrt());
    assert!(z.abs() <= 4.0, "{what}: mean {m} vs {mu}, z = {z}");
}

/// Asserts the sample variance is within 4 standard errors of σ² for a variable with
/// fourth central moment μ4: SE = √((μ4 − σ⁴)/n).
pub fn assert_var(what: &str, xs: &[f64], var: f64, mu4: f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    let z = (v - var) / ((mu4 - var * var) / n).sqrt();
    assert!(z.abs() <= 4.0, "{what}: variance {v} vs {var}, z = {z}");
}

/// The standard normal CDF.
pub fn phi(x: f64) -> f64 {
    crate::quadrature::normal_cdf(x)
}

#[test]
fn ks_detects_a_shift_and_accepts_the_truth() {
    let mut rng = sampo_core::rng::stream(1, 0);
    let xs: Vec<f64> = (0..5000)
        .map(|_| sampo_core::rng::standard_normal(&mut rng))
        .collect();
    assert!(ks_pvalue(&xs, phi) > ALPHA);
    assert!(ks_pvalue(&xs, |x| phi(x - 0.1)) < ALPHA);
    assert!(ks_pvalue(&xs, |x| phi(x / 1.2)) < ALPHA);
    assert!((kolmogorov_q(1.3581) - 0.05).abs() < 1e-3);
    assert!(chi2_pvalue(&[500, 500], &[0.5, 0.5]) > 0.99);
    assert!(chi2_pvalue(&[600, 400], &[0.5, 0.5]) < ALPHA);
}
