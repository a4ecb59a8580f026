//! Weighted first and second moments and the two-sample moment errors of the
//! harness (`mean-err`, `cov-err`), for weighted sampler output.
//!
//! With normalized weights w̃ ([`crate::weights`]; `None` = uniform):
//!
//! - mean μ̂ = Σ_i w̃_i x_i;
//! - covariance Σ̂ = Σ_i w̃_i (x_i − μ̂)(x_i − μ̂)ᵀ, the covariance of the weighted
//!   empirical measure (the self-normalized importance-sampling estimate; divisor
//!   "n"). It is a functional of the measure, so integer weights equal repeated
//!   points exactly. For uniform weights it is (n − 1)/n times
//!   [`Particles::covariance`] (divisor n − 1). No bias correction is applied: the
//!   "reliability weights" correction 1/(1 − Σ w̃_i²) would restore divisor n − 1
//!   for uniform weights but break the repeated-points identity.
//! - [`mean_error`] = ‖μ̂_a − μ̂_b‖₂;
//! - [`covariance_error`] = ‖Σ̂_a − Σ̂_b‖_F / ‖Σ̂_b‖_F (relative Frobenius error,
//!   b the reference). For uniform weights and equal sample sizes the common factor
//!   (n − 1)/n cancels and this equals the harness's `cov-err` (divisor n − 1 on both
//!   sides); for unequal sizes the two differ by O(1/n).

use crate::MetricError;
use crate::sliced::{check_pair, check_sample};
use crate::weights::normalized_or_uniform;
use sampo_core::Particles;

fn mean_with(p: &Particles, w: &[f64]) -> Vec<f64> {
    let mut m = vec![0.0; p.dim()];
    for (r, wi) in p.rows().zip(w) {
        for (mj, x) in m.iter_mut().zip(r) {
            *mj += wi * x;
        }
    }
    m
}

fn covariance_with(p: &Particles, w: &[f64]) -> Vec<f64> {
    let d = p.dim();
    let m = mean_with(p, w);
    let mut c = vec![0.0; d * d];
    for (r, wi) in p.rows().zip(w) {
        for a in 0..d {
            let da = wi * (r[a] - m[a]);
            for b in a..d {
                c[a * d + b] += da * (r[b] - m[b]);
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            c[a * d + b] = c[b * d + a];
        }
    }
    c
}

/// Weighted mean Σ_i w̃_i x_i. Errors name `samples` (empty, dimension 0,
/// non-finite) or `weights`.
pub fn weighted_mean(
    samples: &Particles,
    weights: Option<&[f64]>,
) -> Result<Vec<f64>, MetricError> {
    check_sample("samples", samples, 1)?;
    let w = normalized_or_uniform(weights, samples.len(), "weights")?;
    Ok(mean_with(samples, &w))
}

/// Covariance of the weighted empirical measure, Σ_i w̃_i (x_i − μ̂)(x_i − μ̂)ᵀ, d × d
/// row-major (module docs: divisor "n", no bias correction). Errors as
/// [`weighted_mean`].
pub fn weighted_covariance(
    samples: &Particles,
    weights: Option<&[f64]>,
) -> Result<Vec<f64>, MetricError> {
    check_sample("samples", samples, 1)?;
    let w = normalized_or_uniform(weights, samples.len(), "weights")?;
    Ok(covariance_with(samples, &w))
}

fn dist(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// ‖μ̂_a − μ̂_b‖₂ of the weighted means. Errors name `a`, `b` (empty, non-finite,
/// dimension mismatch) or `wa`, `wb`.
pub fn mean_error(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<f64, MetricError> {
    check_pair(a, b, 1)?;
    let pa = normalized_or_uniform(wa, a.len(), "wa")?;
    let pb = normalized_or_uniform(wb, b.len(), "wb")?;
    Ok(dist(&mean_with(a, &pa), &mean_with(b, &pb)))
}

/// ‖Σ̂_a − Σ̂_b‖_F / ‖Σ̂_b‖_F of the weighted covariances (module docs; b is the
/// reference). Errors as [`mean_error`], and names `b` when its covariance is zero.
pub fn covariance_error(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<f64, MetricError> {
    check_pair(a, b, 1)?;
    let pa = normalized_or_uniform(wa, a.len(), "wa")?;
    let pb = normalized_or_uniform(wb, b.len(), "wb")?;
    let (ca, cb) = (covariance_with(a, &pa), covariance_with(b, &pb));
    let norm_b = cb.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm_b <= 0.0 {
        return Err(MetricError::invalid(
            "b",
            "covariance is zero (all weighted points equal): relative error undefined",
        ));
    }
    Ok(dist(&ca, &cb) / norm_b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    fn gaussian(n: usize, d: usize, seed: u64) -> Particles {
        let mut r = rng::stream(seed, 0);
        let mut p = Particles::zeros(n, d);
        rng::fill_standard_normal(&mut r, p.as_mut_slice());
        p
    }

    #[test]
    fn hand_values() {
        // Points 0 and 4 (1-D) with weights 3 : 1: mean 1, variance ¾·1 + ¼·9 = 3.
        let p = Particles::from_vec(2, 1, vec![0.0, 4.0]).unwrap();
        let w = [3.0, 1.0];
        assert_eq!(weighted_mean(&p, Some(&w)).unwrap(), vec![1.0]);
        assert_eq!(weighted_covariance(&p, Some(&w)).unwrap(), vec![3.0]);
        // 2-D: (1, 0), (−1, 0), (0, 2) uniform: mean (0, ⅔); covariance
        // [[⅔, 0], [0, 8/9]].
        let q = Particles::from_rows(&[vec![1.0, 0.0], vec![-1.0, 0.0], vec![0.0, 2.0]]).unwrap();
        let c = weighted_covariance(&q, None).unwrap();
        let want = [2.0 / 3.0, 0.0, 0.0, 8.0 / 9.0];
        for (g, w) in c.iter().zip(&want) {
            assert!((g - w).abs() < 1e-15, "{c:?}");
        }
        let m = mean_error(&p, Some(&w), &p, None).unwrap();
        assert_eq!(m, 1.0); // means 1 and 2
        // Variances 3 and 4: relative error |3 − 4| / 4.
        let e = covariance_error(&p, Some(&w), &p, None).unwrap();
        assert!((e - 0.25).abs() < 1e-15);
    }

    #[test]
    fn uniform_weights_match_particles_and_the_harness() {
        let a = gaussian(300, 3, 1);
        let b = gaussian(300, 3, 2);
        let n = a.len() as f64;
        let m = weighted_mean(&a, Some(&[0.7; 300])).unwrap();
        for (x, y) in m.iter().zip(a.mean()) {
            assert!((x - y).abs() < 1e-12);
        }
        let c = weighted_covariance(&a, Some(&[2.0; 300])).unwrap();
        for (x, y) in c.iter().zip(a.covariance()) {
            assert!((x - y * (n - 1.0) / n).abs() < 1e-12);
        }
        // The harness's cov-err (divisor n − 1 on both sides), equal sizes.
        let (ca, cb) = (a.covariance(), b.covariance());
        let harness = dist(&ca, &cb) / cb.iter().map(|v| v * v).sum::<f64>().sqrt();
        let ours = covariance_error(&a, None, &b, Some(&[5.0; 300])).unwrap();
        assert!(
            (ours - harness).abs() < 1e-12 * harness,
            "{ours} vs {harness}"
        );
        let ours = mean_error(&a, Some(&[0.1; 300]), &b, None).unwrap();
        assert!((ours - dist(&a.mean(), &b.mean())).abs() < 1e-12);
    }

    #[test]
    fn integer_weights_equal_repeated_points() {
        let a = gaussian(6, 2, 3);
        let k = [1usize, 3, 2, 1, 4, 2];
        let mut rows = Vec::new();
        for (i, &c) in k.iter().enumerate() {
            for _ in 0..c {
                rows.push(a.row(i).to_vec());
            }
        }
        let rep = Particles::from_rows(&rows).unwrap();
        let kw: Vec<f64> = k.iter().map(|&c| c as f64).collect();
        let b = gaussian(50, 2, 4);
        let x = covariance_error(&a, Some(&kw), &b, None).unwrap();
        let y = covariance_error(&rep, None, &b, None).unwrap();
        assert!((x - y).abs() < 1e-12 * y, "{x} vs {y}");
        let x = mean_error(&b, None, &a, Some(&kw)).unwrap();
        let y = mean_error(&b, None, &rep, None).unwrap();
        assert!((x - y).abs() < 1e-12 * y);
    }

    #[test]
    fn errors_name_the_argument() {
        let a = gaussian(4, 2, 5);
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(e(mean_error(&a, Some(&[1.0; 3]), &a, None)).contains("`wa`"));
        assert!(e(mean_error(&a, None, &a, Some(&[0.0; 4]))).contains("`wb`"));
        let same = Particles::repeat(&[1.0, 2.0], 3);
        assert!(e(covariance_error(&a, None, &same, None)).contains("`b`"));
        assert!(e(mean_error(&a, None, &gaussian(4, 3, 6), None)).contains("`a` and `b`"));
        let v = |r: Result<Vec<f64>, MetricError>| r.unwrap_err().to_string();
        assert!(v(weighted_mean(&Particles::zeros(0, 2), None)).contains("`samples`"));
        assert!(v(weighted_covariance(&a, Some(&[f64::NAN; 4]))).contains("`weights`"));
    }
}
