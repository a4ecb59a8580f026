//! Estimates of the log normalizing constant log Z and their errors.
//!
//! For draws x_i ~ q and an unnormalized target π̃ = Z π, the importance weights
//! w_i = π̃(x_i) / q(x_i) have mean Z, so Ẑ = (1/n) Σ w_i is unbiased for Z and
//! log Ẑ = logmeanexp(ℓ_i) with ℓ_i = log w_i is the usual log Z estimate (biased
//! low by about Var(w)/(2 n Z²), Jensen). This is how gfn-diffusion (`logmeanexp` of
//! the path log-weights) and Beyond ELBOs (`logsumexp(log w) − ln n`) report ln Z;
//! their reported error is |Δ ln Z| = |log Ẑ − log Z| ([`log_z_error`]).

use crate::MetricError;

/// log((1/n) Σ exp(v_i)), computed as m + log((1/n) Σ exp(v_i − m)) with
/// m = max v_i so that no term overflows.
///
/// Returns NaN for an empty slice or any NaN entry, −∞ when every entry is −∞, and
/// +∞ when some entry is +∞.
pub fn log_mean_exp(v: &[f64]) -> f64 {
    if v.is_empty() || v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m.is_infinite() {
        return m;
    }
    let s: f64 = v.iter().map(|x| (x - m).exp()).sum();
    m + (s / v.len() as f64).ln()
}

/// An importance-sampling estimate of log Z.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogZEstimate {
    /// log Ẑ = logmeanexp(ℓ_i).
    pub log_z: f64,
    /// Delta-method standard error of log Ẑ: sd(w) / (√n · mean(w)), with the sample
    /// standard deviation (divisor n − 1). It is the relative standard error of Ẑ,
    /// and is itself unreliable when the weights are heavy-tailed (small Kish ESS).
    pub std_err: f64,
    /// Kish's ESS (Σ w)² / Σ w² ([`crate::ess::kish_ess`]).
    pub kish_ess: f64,
}

/// log Z from importance log-weights ℓ_i = log π̃(x_i) − log q(x_i), x_i ~ q.
///
/// The standard error is the delta method applied to log Ẑ:
/// Var(log Ẑ) ≈ Var(Ẑ)/Z² = Var(w)/(n Z²), estimated from the max-subtracted weights
/// w̃_i = exp(ℓ_i − max ℓ) (the ratio is scale-free). Entries of −∞ (zero weight) are
/// allowed. Errors when the slice is empty, has NaN or +∞, or every weight is zero;
/// with one draw the standard error is +∞.
pub fn importance_log_z(log_weights: &[f64]) -> Result<LogZEstimate, MetricError> {
    let name = "log_weights";
    if log_weights.is_empty() {
        return Err(MetricError::invalid(name, "empty"));
    }
    if let Some(i) = log_weights
        .iter()
        .position(|v| v.is_nan() || *v == f64::INFINITY)
    {
        return Err(MetricError::invalid(
            name,
            format!("entry {i} is {}", log_weights[i]),
        ));
    }
    let n = log_weights.len();
    let m = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return Err(MetricError::invalid(name, "every weight is zero (all −∞)"));
    }
    let w: Vec<f64> = log_weights.iter().map(|l| (l - m).exp()).collect();
    let mean = w.iter().sum::<f64>() / n as f64;
    let std_err = if n < 2 {
        f64::INFINITY
    } else {
        let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (var / n as f64).sqrt() / mean
    };
    Ok(LogZEstimate {
        log_z: m + mean.ln(),
        std_err,
        kish_ess: crate::ess::kish_ess(log_weights),
    })
}

/// |Δ log Z| = |estimate − truth|, the error Beyond ELBOs and gfn-diffusion report.
/// NaN if either argument is NaN.
pub fn log_z_error(estimate: f64, truth: f64) -> f64 {
    (estimate - truth).abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;
    use std::f64::consts::PI;

    fn log_normal_pdf(x: f64, mu: f64, s: f64) -> f64 {
        -0.5 * ((x - mu) / s).powi(2) - s.ln() - 0.5 * (2.0 * PI).ln()
    }

    #[test]
    fn log_mean_exp_is_stable_and_exact() {
        assert!((log_mean_exp(&[0.0, 0.0]) - 0.0).abs() < 1e-15);
        let v = [1.0, 2.0, 3.0];
        let direct = ((1f64.exp() + 2f64.exp() + 3f64.exp()) / 3.0).ln();
        assert!((log_mean_exp(&v) - direct).abs() < 1e-14);
        // exp(1000) overflows; the shifted form does not.
        let big: Vec<f64> = v.iter().map(|x| x + 1000.0).collect();
        assert!((log_mean_exp(&big) - direct - 1000.0).abs() < 1e-10);
        assert!(log_mean_exp(&[]).is_nan());
        assert!(log_mean_exp(&[0.0, f64::NAN]).is_nan());
        assert_eq!(log_mean_exp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
        assert!((log_mean_exp(&[0.0, f64::NEG_INFINITY]) - 0.5f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn gaussian_importance_sampling_recovers_log_z() {
        // π̃(x) = Z N(x; 1, 0.5²), log Z = 2.5; proposal q = N(0, 1.5²). The weight
        // w = Z N(x;1,.25)/N(x;0,2.25) has finite variance because the proposal is
        // wider. Single run: |log Ẑ − log Z| < 4 SE. Replicates: the z-scores
        // (log Ẑ − log Z)/SE should be close to N(0, 1); count |z| > 2 among 100
        // (binomial(100, 0.0455): mean 4.6, sd 2.1, accept ≤ 13 ≈ 4 sd).
        let log_z = 2.5;
        let (mu, s, sq) = (1.0, 0.5, 1.5);
        let run = |seed: u64, n: usize| {
            let mut r = rng::stream(seed, 0);
            let lw: Vec<f64> = (0..n)
                .map(|_| {
                    let x = sq * rng::standard_normal(&mut r);
                    log_z + log_normal_pdf(x, mu, s) - log_normal_pdf(x, 0.0, sq)
                })
                .collect();
            importance_log_z(&lw).unwrap()
        };
        let est = run(7, 100_000);
        assert!(
            log_z_error(est.log_z, log_z) < 4.0 * est.std_err,
            "{est:?} vs {log_z}"
        );
        assert!(est.kish_ess > 10_000.0 && est.kish_ess < 100_000.0);
        let mut exceed = 0;
        for seed in 0..100 {
            let e = run(1000 + seed, 2_000);
            if (e.log_z - log_z).abs() > 2.0 * e.std_err {
                exceed += 1;
            }
        }
        assert!(exceed <= 13, "{exceed} of 100 beyond 2 SE");
    }

    #[test]
    fn exact_proposal_gives_zero_error_and_full_ess() {
        // q = π: every log-weight equals log Z, so Ẑ = Z exactly, SE = 0, ESS = n.
        let lw = vec![-3.25; 50];
        let e = importance_log_z(&lw).unwrap();
        assert!((e.log_z + 3.25).abs() < 1e-14);
        assert_eq!(e.std_err, 0.0);
        assert!((e.kish_ess - 50.0).abs() < 1e-12);
        assert!((log_z_error(e.log_z, -3.0) - 0.25).abs() < 1e-14);
    }

    #[test]
    fn bad_log_weights_name_the_field() {
        for bad in [
            vec![],
            vec![0.0, f64::NAN],
            vec![0.0, f64::INFINITY],
            vec![f64::NEG_INFINITY; 2],
        ] {
            let err = importance_log_z(&bad).unwrap_err().to_string();
            assert!(err.contains("log_weights"), "{err}");
        }
        assert_eq!(importance_log_z(&[1.0]).unwrap().std_err, f64::INFINITY);
    }
}
