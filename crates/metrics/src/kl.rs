//! KL(q‖π) from samples of q and a normalized target density π.
//!
//! `KL(q‖π) = E_q[ln q] − E_q[ln π] = −H(q) − E_q[ln π̃(x) − ln Z]`, where
//! `π = π̃ / Z`. The entropy H(q) is the Kozachenko–Leonenko k-NN estimate
//! ([`crate::knn::entropy`]) and the cross-entropy term is a plain Monte Carlo mean
//! over the same sample, with standard error `sd(ln π(x_i)) / √n`.
//!
//! The density is a closure so that `sampo-metrics` need not depend on the targets
//! crate: pass `|x| target.log_density(x)` and `target.log_z()`.
//!
//! **Low d only.** The k-NN entropy has a finite-n bias that grows quickly with d
//! (knn.rs: −0.014 nats in d = 2 and −0.037 in d = 3 for N(0, I) at n = 2000, k = 4;
//! peers.md §C.5 for the two-sample version in d = 10, 32), and that bias enters
//! KL(q‖π) with the opposite sign. Use it for d ≤ about 4 or on marginals (DESIGN.md,
//! "Metrics conventions"), beside the same-size noise floor of exact samples.
//! Unweighted samples only (as [`crate::knn`]).

use crate::MetricError;
use crate::knn;
use rayon::prelude::*;
use sampo_core::Particles;

/// The pieces of [`kl_to_target_with_se`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KlToTarget {
    /// KL(q‖π) = −Ĥ(q) + cross_entropy, in nats (+∞ if π vanishes at a sample point).
    pub kl: f64,
    /// The k-NN entropy estimate Ĥ(q).
    pub entropy: f64,
    /// −(1/n) Σ ln π(x_i), the cross-entropy estimate.
    pub cross_entropy: f64,
    /// Monte Carlo standard error of `cross_entropy` (sample SD / √n). The entropy
    /// term's error is not included (estimate it from replicates or the noise floor).
    pub cross_entropy_se: f64,
    /// The sample size n.
    pub n: usize,
    /// The neighbour order k.
    pub k: usize,
}

/// KL(q‖π) in nats from the sample `q`, `log_density` = ln π̃ and `log_z` = ln Z
/// (see the module docs; low d only). Errors name `q`, `k`, `log_z` or `log_density`.
pub fn kl_to_target(
    q: &Particles,
    log_density: impl Fn(&[f64]) -> f64 + Sync,
    log_z: f64,
    k: usize,
) -> Result<f64, MetricError> {
    kl_to_target_with_se(q, log_density, log_z, k).map(|r| r.kl)
}

/// [`kl_to_target`] with its pieces and the Monte Carlo SE of the cross-entropy term.
///
/// A sample point where ln π̃ = −∞ makes the KL +∞ (q puts mass where π has none);
/// NaN or +∞ from `log_density` is an error.
pub fn kl_to_target_with_se(
    q: &Particles,
    log_density: impl Fn(&[f64]) -> f64 + Sync,
    log_z: f64,
    k: usize,
) -> Result<KlToTarget, MetricError> {
    if !log_z.is_finite() {
        return Err(MetricError::invalid(
            "log_z",
            format!("not finite: {log_z}"),
        ));
    }
    let entropy = knn::entropy(q, k).map_err(|e| match e {
        MetricError::InvalidInput { name, reason } if name == "a" => {
            MetricError::invalid("q", reason)
        }
        other => other,
    })?;
    let n = q.len();
    let lp: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| log_density(q.row(i)) - log_z)
        .collect();
    if let Some(i) = lp.iter().position(|v| v.is_nan() || *v == f64::INFINITY) {
        return Err(MetricError::invalid(
            "log_density",
            format!("returned {} at particle {i}", lp[i] + log_z),
        ));
    }
    let (cross_entropy, cross_entropy_se) = if lp.iter().any(|v| v.is_infinite()) {
        (f64::INFINITY, f64::INFINITY)
    } else {
        let mean = lp.iter().sum::<f64>() / n as f64;
        let var = lp.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (-mean, (var / n as f64).sqrt())
    };
    Ok(KlToTarget {
        kl: cross_entropy - entropy,
        entropy,
        cross_entropy,
        cross_entropy_se,
        n,
        k,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng::{fill_standard_normal, stream};

    fn normal(n: usize, d: usize, shift: &[f64], seed: u64) -> Particles {
        let mut rng = stream(seed, 0);
        let mut p = Particles::zeros(n, d);
        fill_standard_normal(&mut rng, p.as_mut_slice());
        for r in 0..n {
            for (x, s) in p.row_mut(r).iter_mut().zip(shift) {
                *x += s;
            }
        }
        p
    }

    /// Unnormalized N(0, I₂): ln π̃ = −|x|²/2, ln Z = ln 2π.
    fn log_pi(x: &[f64]) -> f64 {
        -0.5 * x.iter().map(|v| v * v).sum::<f64>()
    }
    const LOG_Z: f64 = 1.837_877_066_409_345_3; // ln 2π

    /// Mean of 20 replicate KL(q‖π) estimates, n = 2000, k = 4, d = 2, against
    /// KL = |μ|²/2: within 4 SE (replicate SD/√20) of truth plus the entropy
    /// estimator's measured bias. Ĥ is biased by −0.014 ± 0.0016 here (knn.rs tests),
    /// which enters KL with a + sign; 0.007 covers the uncertainty of that number.
    fn check(shift: [f64; 2], seed: u64) {
        let truth = 0.5 * (shift[0] * shift[0] + shift[1] * shift[1]);
        let reps = 20;
        let est: Vec<KlToTarget> = (0..reps)
            .map(|r| {
                kl_to_target_with_se(&normal(2000, 2, &shift, seed + r), log_pi, LOG_Z, 4).unwrap()
            })
            .collect();
        let v: Vec<f64> = est.iter().map(|e| e.kl).collect();
        let m = v.iter().sum::<f64>() / reps as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64).sqrt();
        let tol = 4.0 * sd / (reps as f64).sqrt() + 0.007;
        assert!(
            (m - (truth + 0.014)).abs() < tol,
            "shift {shift:?}: mean {m}, truth {truth}, sd {sd}, tol {tol}"
        );
        // The reported cross-entropy SE matches its closed form: Var ln π(x) for
        // x ~ N(μ, I₂) is Var(|x|²/2) = (d + 2|μ|²)/2 = 1 + |μ|².
        let se_true = ((1.0 + 2.0 * truth) / 2000.0).sqrt();
        let se = est[0].cross_entropy_se;
        assert!((se / se_true - 1.0).abs() < 0.15, "se {se} vs {se_true}");
    }

    #[test]
    fn exact_samples_give_zero() {
        check([0.0, 0.0], 10);
    }

    #[test]
    fn shifted_gaussian_gives_half_squared_shift() {
        check([1.0, -0.5], 40);
    }

    #[test]
    fn zero_density_gives_infinity_and_bad_inputs_error() {
        let q = normal(50, 2, &[], 1);
        let trunc = |x: &[f64]| {
            if x[0] > 1.0 {
                f64::NEG_INFINITY
            } else {
                log_pi(x)
            }
        };
        assert_eq!(kl_to_target(&q, trunc, LOG_Z, 3).unwrap(), f64::INFINITY);
        let e = kl_to_target(&q, |_| f64::NAN, LOG_Z, 3).unwrap_err();
        assert!(e.to_string().contains("`log_density`"), "{e}");
        let e = kl_to_target(&q, log_pi, f64::NAN, 3).unwrap_err();
        assert!(e.to_string().contains("`log_z`"), "{e}");
        let e = kl_to_target(&normal(3, 2, &[], 1), log_pi, LOG_Z, 3).unwrap_err();
        assert!(e.to_string().contains("`q`"), "{e}");
    }
}
