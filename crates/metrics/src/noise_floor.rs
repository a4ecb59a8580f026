//! Noise floors: a metric between two independent exact samples of the same size.
//!
//! Every stochastic sample metric (W2, MMD, k-NN and histogram KL, ...) is nonzero
//! even for a perfect sampler, because both of its arguments are finite samples.
//! DESIGN.md ("Metrics conventions") therefore requires each reported value to be
//! printed beside its *noise floor*: the same metric between two independent exact
//! samples of the same size n, repeated, reported as mean ± SD (peers.md §C.6 lists
//! measured W2 floors, e.g. 3.30 ± 0.11 for GMM40 at n = 2000). A sampler whose value
//! is within the floor cannot be told apart from exact sampling at that n.
//!
//! Seeds: repeat r draws its two samples with
//! `sample_exact_n(n, s)` for `(s_a, s_b) =` [`repeat_seeds`]`(seed, r)`, two 64-bit
//! values taken from the streams `(seed, 2r)` and `(seed, 2r + 1)`; the result is
//! therefore reproducible and independent of the thread count.

use crate::MetricError;
use rand::Rng;
use sampo_core::{ExactSampler, Particles, rng};
use serde::{Deserialize, Serialize};

/// Mean and SD of a metric over repeated pairs of independent exact samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseFloor {
    /// Mean of the metric over the repeats.
    pub mean: f64,
    /// Sample SD over the repeats (divisor repeats − 1): the spread of one value.
    pub sd: f64,
    /// The number of repeats.
    pub repeats: usize,
    /// The size n of each of the two samples.
    pub n: usize,
    /// The seed the repeats derive from.
    pub seed: u64,
    /// The metric value of every repeat, in order.
    pub values: Vec<f64>,
}

impl NoiseFloor {
    /// Standard error of `mean`: sd / √repeats.
    pub fn se(&self) -> f64 {
        self.sd / (self.repeats as f64).sqrt()
    }
}

impl std::fmt::Display for NoiseFloor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.4} ± {:.4} (n = {}, {} repeats, seed {})",
            self.mean, self.sd, self.n, self.repeats, self.seed
        )
    }
}

/// The sample seeds of repeat `r`: the first outputs of the streams `(seed, 2r)` and
/// `(seed, 2r + 1)`.
pub fn repeat_seeds(seed: u64, r: usize) -> (u64, u64) {
    let r = r as u64;
    (
        rng::stream(seed, 2 * r).next_u64(),
        rng::stream(seed, 2 * r + 1).next_u64(),
    )
}

/// `metric(A_r, B_r)` for `repeats` independent pairs of exact samples of size n from
/// `sampler`, summarized as mean ± SD (module docs). Errors name `n`, `repeats`
/// (must be ≥ 2 for an SD) or `metric` (an error or a non-finite value in repeat r).
pub fn noise_floor(
    sampler: &dyn ExactSampler,
    n: usize,
    repeats: usize,
    seed: u64,
    metric: impl Fn(&Particles, &Particles) -> Result<f64, MetricError>,
) -> Result<NoiseFloor, MetricError> {
    if n == 0 {
        return Err(MetricError::invalid("n", "must be at least 1"));
    }
    if repeats < 2 {
        return Err(MetricError::invalid(
            "repeats",
            format!("{repeats}; need at least 2 for an SD"),
        ));
    }
    let mut values = Vec::with_capacity(repeats);
    for r in 0..repeats {
        let (sa, sb) = repeat_seeds(seed, r);
        let a = sampler.sample_exact_n(n, sa);
        let b = sampler.sample_exact_n(n, sb);
        let v = metric(&a, &b)
            .map_err(|e| MetricError::invalid("metric", format!("failed in repeat {r}: {e}")))?;
        if !v.is_finite() {
            return Err(MetricError::invalid(
                "metric",
                format!("returned {v} in repeat {r}"),
            ));
        }
        values.push(v);
    }
    let k = repeats as f64;
    let mean = values.iter().sum::<f64>() / k;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    Ok(NoiseFloor {
        mean,
        sd,
        repeats,
        n,
        seed,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::histogram;
    use sampo_core::{StreamRng, Target};

    /// N(0, 1) in one dimension.
    struct StdNormal;
    impl Target for StdNormal {
        fn dim(&self) -> usize {
            1
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            -0.5 * x[0] * x[0]
        }
        fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
            Some(self)
        }
    }
    impl ExactSampler for StdNormal {
        fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
            out[0] = rng::standard_normal(rng);
        }
    }

    fn mean_diff(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
        Ok(a.mean()[0] - b.mean()[0])
    }

    /// x̄_A − x̄_B for two N(0,1) samples of size n is N(0, 2/n): the floor's SD must
    /// match √(2/n) within 4 relative SEs of a sample SD (1/√(2(R − 1)), R repeats),
    /// its mean 0 within 4 SE; |x̄_A − x̄_B| has mean √(2/n)·√(2/π) ≥ 0.
    #[test]
    fn mean_difference_floor_matches_sqrt_two_over_n() {
        let (n, reps) = (50, 400);
        let f = noise_floor(&StdNormal, n, reps, 7, mean_diff).unwrap();
        let sd_true = (2.0 / n as f64).sqrt();
        let rel = 4.0 / (2.0 * (reps as f64 - 1.0)).sqrt();
        assert!((f.sd / sd_true - 1.0).abs() < rel, "{f} vs sd {sd_true}");
        assert!(f.mean.abs() < 4.0 * f.se(), "{f}");
        let g = noise_floor(&StdNormal, n, reps, 7, |a, b| mean_diff(a, b).map(f64::abs)).unwrap();
        let m_true = sd_true * (2.0 / std::f64::consts::PI).sqrt();
        assert!(
            g.mean >= 0.0 && (g.mean - m_true).abs() < 4.0 * g.se(),
            "{g} vs {m_true}"
        );
        // Same seed, same values (the |·| run saw the same samples).
        for (a, b) in f.values.iter().zip(&g.values) {
            assert_eq!(a.abs(), *b);
        }
        let h = noise_floor(&StdNormal, n, reps, 8, mean_diff).unwrap();
        assert_ne!(f.values, h.values);
    }

    /// The two-sample histogram KL of same-distribution samples: to leading order
    /// KL(p̂‖q̂) ≈ Σ_b (p̂_b − q̂_b)²/(2p_b), whose mean is (B − 1)/n for two samples of n
    /// (conditional on the range, which holds 98.76% of N(0,1) mass here). The next
    /// order is relatively O(1/(n p_min)) ≈ 3% (smallest bin mass 0.0166); 10% of the
    /// expectation is allowed for it on top of 4 SE.
    #[test]
    fn histogram_kl_floor_is_b_minus_one_over_n() {
        let (n, reps, bins) = (2000, 100, 10);
        let f = noise_floor(&StdNormal, n, reps, 11, |a, b| {
            histogram::kl_1d(a.as_slice(), b.as_slice(), bins, (-2.5, 2.5), 0.0)
        })
        .unwrap();
        let inside = n as f64 * 0.9876; // P(|x| < 2.5)
        let expect = (bins as f64 - 1.0) / inside;
        assert!(f.mean >= 0.0);
        assert!(
            (f.mean - expect).abs() < 4.0 * f.se() + 0.1 * expect,
            "{f} vs {expect}"
        );
    }

    #[test]
    fn bad_inputs_name_the_argument() {
        let msg = |e: MetricError| e.to_string();
        assert!(msg(noise_floor(&StdNormal, 0, 3, 1, mean_diff).unwrap_err()).contains("`n`"));
        assert!(
            msg(noise_floor(&StdNormal, 5, 1, 1, mean_diff).unwrap_err()).contains("`repeats`")
        );
        let e = noise_floor(&StdNormal, 5, 3, 1, |_, _| Ok(f64::NAN)).unwrap_err();
        assert!(msg(e).contains("`metric`"));
        let e = noise_floor(&StdNormal, 5, 3, 1, |_, _| {
            Err(MetricError::invalid("k", "x"))
        })
        .unwrap_err();
        assert!(msg(e).contains("`metric`"));
    }
}
