//! Goodness-of-fit tests used by statistical unit tests and the harness.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Pearson's χ² goodness-of-fit result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chi2 {
    /// Σ (O − E)² / E.
    pub statistic: f64,
    /// Degrees of freedom (categories − 1).
    pub dof: usize,
    /// P(χ²_dof ≥ statistic).
    pub p_value: f64,
}

/// Pearson's χ² test of observed `counts` against category probabilities `probs`
/// (normalized here). Categories with zero probability must have zero counts,
/// otherwise the p-value is 0.
pub fn chi2_gof(counts: &[u64], probs: &[f64]) -> Chi2 {
    assert_eq!(counts.len(), probs.len(), "one probability per category");
    let n: u64 = counts.iter().sum();
    let total: f64 = probs.iter().sum();
    let mut stat = 0.0;
    let mut k = 0;
    for (&o, &p) in counts.iter().zip(probs) {
        let e = n as f64 * p / total;
        if e > 0.0 {
            stat += (o as f64 - e).powi(2) / e;
            k += 1;
        } else if o > 0 {
            stat = f64::INFINITY;
        }
    }
    let dof = k.max(2) - 1;
    let p_value = if stat.is_finite() {
        1.0 - ChiSquared::new(dof as f64).expect("dof >= 1").cdf(stat)
    } else {
        0.0
    };
    Chi2 {
        statistic: stat,
        dof,
        p_value,
    }
}

/// One-sample Kolmogorov–Smirnov result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks {
    /// D = sup_x |F_n(x) − F(x)|.
    pub statistic: f64,
    /// Asymptotic p-value with Stephens' (1970) small-sample correction.
    pub p_value: f64,
}

/// Kolmogorov's limiting survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0; // the series converges slowly there and Q(0.2) = 1 − 3e-11
    }
    let mut s = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = (-2.0 * kf * kf * lambda * lambda).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// KS test of `samples` against the continuous CDF `cdf`.
pub fn ks_test(samples: &[f64], cdf: impl Fn(f64) -> f64) -> Ks {
    let mut x = samples.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &v) in x.iter().enumerate() {
        let f = cdf(v);
        d = d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n);
    }
    let sn = n.sqrt();
    Ks {
        statistic: d,
        p_value: kolmogorov_q((sn + 0.12 + 0.11 / sn) * d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    #[test]
    fn chi2_known_values() {
        // Fair die, perfectly balanced counts: statistic 0, p = 1.
        let c = chi2_gof(&[10; 6], &[1.0; 6]);
        assert_eq!(c.statistic, 0.0);
        assert_eq!(c.dof, 5);
        assert!((c.p_value - 1.0).abs() < 1e-12);
        // χ²_1 at 3.841459 has p = 0.05.
        let c = chi2_gof(&[60, 40], &[0.5, 0.5]);
        assert!((c.statistic - 4.0).abs() < 1e-12);
        assert!((c.p_value - 0.0455).abs() < 1e-3, "{}", c.p_value);
        assert_eq!(chi2_gof(&[1, 5], &[0.0, 1.0]).p_value, 0.0);
    }

    #[test]
    fn ks_accepts_uniform_and_rejects_shifted() {
        let mut r = rng::stream(9, 0);
        let u: Vec<f64> = (0..5000).map(|_| rng::uniform(&mut r)).collect();
        let ok = ks_test(&u, |x| x.clamp(0.0, 1.0));
        assert!(ok.p_value > 1e-3, "{ok:?}");
        let bad = ks_test(&u, |x| (x - 0.05).clamp(0.0, 1.0));
        assert!(bad.p_value < 1e-6, "{bad:?}");
        // Q(1.36) ≈ 0.0494 (the 5% critical value of the Kolmogorov distribution).
        assert!((kolmogorov_q(1.3581) - 0.05).abs() < 1e-3);
    }
}
