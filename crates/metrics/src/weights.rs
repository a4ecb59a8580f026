//! Sample weights: the one convention of every weighted metric in this crate.
//!
//! A weighted sample is the discrete measure Σ_i w̃_i δ_{x_i} with w̃_i = w_i / Σ_j w_j:
//! weights are plain, finite, non-negative numbers, one per point, with a positive
//! sum, normalized internally (only their ratios matter; zero-weight points are
//! ignored). Functions take them as `Option<&[f64]>`, `None` meaning uniform weights
//! (the older [`crate::ot::w2_weighted`] takes explicit slices; same rules). Because
//! each weighted metric is a functional of this measure, integer weights give exactly
//! the value of the sample with each point repeated that many times (the exceptions,
//! where the estimator depends on the number of points and not only on the measure,
//! say so: the weighted U-statistic MMD²).
//!
//! Weighted functions: [`crate::ot::w2_weighted`], [`crate::marginal`] (all),
//! [`crate::sliced::sliced_w2_weighted`], [`crate::mmd::mmd2_weighted`],
//! [`crate::moments`] (all), [`crate::modes::mode_weights_weighted`] and
//! [`crate::modes::mode_report_weighted`], [`crate::histogram::Histogram1d::from_weighted`],
//! and the log-weight functions of
//! [`crate::logz`], [`crate::free_energy`] and [`crate::ess::kish_ess`]. The k-NN
//! estimators ([`crate::knn`], [`crate::kl`]) are unweighted only.
//!
//! Log weights ℓ_i (importance sampling, SMC, normalizing flows) are converted once by
//! [`weights_from_log`]: w_i = exp(ℓ_i − max_j ℓ_j), so the largest weight is 1 and no
//! overflow can occur.

use crate::MetricError;

/// w_i = exp(ℓ_i − max_j ℓ_j) (largest weight 1; not normalized). ℓ_i = −∞ gives
/// weight 0. Errors name `log_weights`: empty, a NaN or +∞ entry, or every entry −∞
/// (no mass).
pub fn weights_from_log(log_weights: &[f64]) -> Result<Vec<f64>, MetricError> {
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
            format!("entry {i} is {} (need finite or −inf)", log_weights[i]),
        ));
    }
    let max = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return Err(MetricError::invalid(name, "every entry is −inf (no mass)"));
    }
    Ok(log_weights.iter().map(|l| (l - max).exp()).collect())
}

/// The normalized weights w_i / Σ_j w_j of `n` points. Errors name `name`: a length
/// other than `n`, an entry that is negative or not finite, or a sum that is not
/// positive and finite.
pub fn normalize_weights(w: &[f64], n: usize, name: &str) -> Result<Vec<f64>, MetricError> {
    if w.len() != n {
        return Err(MetricError::invalid(
            name,
            format!("has {} weights for {n} points", w.len()),
        ));
    }
    if let Some(k) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(MetricError::invalid(
            name,
            format!("weight {k} = {} must be finite and >= 0", w[k]),
        ));
    }
    let s: f64 = w.iter().sum();
    if !(s > 0.0 && s.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!("weights sum to {s}, need > 0"),
        ));
    }
    Ok(w.iter().map(|x| x / s).collect())
}

/// [`normalize_weights`] of `w`, or 1/n each for `None`.
pub fn normalized_or_uniform(
    w: Option<&[f64]>,
    n: usize,
    name: &str,
) -> Result<Vec<f64>, MetricError> {
    match w {
        Some(w) => normalize_weights(w, n, name),
        None if n == 0 => Err(MetricError::invalid(name, "no points to weight")),
        None => Ok(vec![1.0 / n as f64; n]),
    }
}

/// Validates `w` like [`normalize_weights`] without normalizing (for algorithms that
/// divide by the total themselves); `None` passes.
pub(crate) fn check_weights(w: Option<&[f64]>, n: usize, name: &str) -> Result<(), MetricError> {
    match w {
        Some(w) => normalize_weights(w, n, name).map(|_| ()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_weights_are_shifted_by_their_maximum() {
        let w = weights_from_log(&[1000.0, 1000.0 + 2f64.ln(), f64::NEG_INFINITY]).unwrap();
        assert_eq!(w[1], 1.0);
        // 1000 + ln 2 is stored to an ulp of 1000 (1.1e-13), so exp of the difference is
        // 0.5 to about 1e-13.
        assert!((w[0] - 0.5).abs() < 1e-12);
        assert_eq!(w[2], 0.0);
        let e = |v: &[f64]| weights_from_log(v).unwrap_err().to_string();
        assert!(e(&[]).contains("`log_weights`"));
        assert!(e(&[0.0, f64::NAN]).contains("entry 1"));
        assert!(e(&[0.0, f64::INFINITY]).contains("entry 1"));
        assert!(e(&[f64::NEG_INFINITY; 2]).contains("no mass"));
    }

    #[test]
    fn normalization_and_its_errors() {
        let p = normalize_weights(&[1.0, 3.0, 0.0], 3, "w").unwrap();
        assert_eq!(p, vec![0.25, 0.75, 0.0]);
        assert_eq!(normalized_or_uniform(None, 4, "w").unwrap(), vec![0.25; 4]);
        let e = |r: Result<Vec<f64>, MetricError>| r.unwrap_err().to_string();
        assert!(e(normalize_weights(&[1.0], 2, "wa")).contains("`wa`"));
        assert!(e(normalize_weights(&[1.0, -1.0], 2, "wa")).contains("weight 1"));
        assert!(e(normalize_weights(&[0.0, 0.0], 2, "wa")).contains("sum"));
        assert!(e(normalize_weights(&[f64::MAX, f64::MAX], 2, "wa")).contains("sum"));
        assert!(e(normalized_or_uniform(None, 0, "wb")).contains("`wb`"));
    }
}
