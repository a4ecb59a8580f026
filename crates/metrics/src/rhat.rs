//! Rank-normalized split R̂ and bulk ESS (Vehtari, Gelman, Simpson, Carpenter &
//! Bürkner 2021, "Rank-normalization, folding, and localization: an improved R̂ for
//! assessing convergence of MCMC", Bayesian Analysis 16(2)).
//!
//! 1. **Split**: each of the M chains of length N is cut into halves of ⌊N/2⌋ draws
//!    (for odd N the middle draw is dropped, as Stan and ArviZ do), giving 2M chains
//!    of n = ⌊N/2⌋ draws; a trend within a chain then shows up as between-chain
//!    variance.
//! 2. **Rank-normalize** (their Eq. (14)): pool the S = 2Mn draws, take average ranks
//!    r (ties share the mean rank) and z = Φ^{-1}((r − 3/8)/(S + 1/4)) (Blom's
//!    offsets).
//! 3. **R̂** of the split chains (their Eqs. (3)–(4)): W = mean within-chain variance
//!    (divisor n − 1), B/n = variance of the chain means (divisor 2M − 1),
//!    var̂⁺ = (n − 1)/n · W + B/n, R̂ = sqrt(var̂⁺ / W).
//! 4. **Bulk R̂** = R̂ of z; **tail R̂** = R̂ of the rank-normalized folded draws
//!    |θ − median(θ)| (their §4.2, detects different scales); the reported R̂ is the
//!    maximum of the two. Vehtari et al. recommend R̂ < 1.01.
//!
//! Φ^{-1} is statrs's `Normal::inverse_cdf`, built on its `erfc_inv` (accurate to
//! ~1e-10, ample here: R̂ depends on z only through variances).

use crate::MetricError;
use crate::diagnostics::{EssConvention, ess_bulk_with};
use statrs::distribution::{ContinuousCDF, Normal};

/// Average ranks (1-based; ties get the mean of their positions).
fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) share the rank ((i + 1) + (j + 1)) / 2.
        let r = 0.5 * ((i + 1) + (j + 1)) as f64;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Rank normalization z_i = Φ^{-1}((r_i − 3/8)/(S + 1/4)) of a pooled sample
/// (Vehtari et al. 2021, Eq. (14)); the order of `values` is kept.
pub fn rank_normalize(values: &[f64]) -> Vec<f64> {
    let s = values.len() as f64;
    let normal = Normal::standard();
    average_ranks(values)
        .into_iter()
        .map(|r| normal.inverse_cdf((r - 0.375) / (s + 0.25)))
        .collect()
}

/// Validates the chains and returns the split chains (2M chains of ⌊N/2⌋ draws).
pub(crate) fn split(chains: &[Vec<f64>]) -> Result<Vec<&[f64]>, MetricError> {
    let name = "chains";
    if chains.is_empty() {
        return Err(MetricError::invalid(name, "no chains"));
    }
    let n = chains[0].len();
    if n < 4 {
        return Err(MetricError::invalid(
            name,
            format!("need at least 4 draws per chain, got {n}"),
        ));
    }
    for (c, ch) in chains.iter().enumerate() {
        if ch.len() != n {
            return Err(MetricError::DimensionMismatch {
                what: format!("length of chain {c} against chain 0 (`chains`)"),
                left: n,
                right: ch.len(),
            });
        }
        if let Some(i) = ch.iter().position(|x| !x.is_finite()) {
            return Err(MetricError::invalid(
                name,
                format!("chain {c} draw {i} is not finite ({})", ch[i]),
            ));
        }
    }
    let half = n / 2;
    Ok(chains
        .iter()
        .flat_map(|ch| [&ch[..half], &ch[n - half..]])
        .collect())
}

/// Pools split chains, applies `f` to the pooled draws, and cuts them back.
pub(crate) fn transform_pooled(split: &[&[f64]], f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<Vec<f64>> {
    let n = split[0].len();
    let pooled: Vec<f64> = split.iter().flat_map(|c| c.iter().copied()).collect();
    f(&pooled).chunks(n).map(<[f64]>::to_vec).collect()
}

/// (W, var̂⁺) of equal-length chains.
pub(crate) fn variances(chains: &[Vec<f64>]) -> (f64, f64) {
    let n = chains[0].len() as f64;
    let m = chains.len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| c.iter().sum::<f64>() / n).collect();
    let w = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0))
        .sum::<f64>()
        / m;
    let grand = means.iter().sum::<f64>() / m;
    let b_over_n = means.iter().map(|mu| (mu - grand).powi(2)).sum::<f64>() / (m - 1.0);
    (w, (n - 1.0) / n * w + b_over_n)
}

/// sqrt(var̂⁺ / W); +∞ when every chain is constant but they differ, error when all
/// draws are equal.
fn rhat_of(chains: &[Vec<f64>]) -> Result<f64, MetricError> {
    let (w, var_plus) = variances(chains);
    if w > 0.0 {
        Ok((var_plus / w).sqrt())
    } else if var_plus > 0.0 {
        Ok(f64::INFINITY)
    } else {
        Err(MetricError::invalid("chains", "all draws are equal"))
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let k = s.len();
    if k % 2 == 1 {
        s[k / 2]
    } else {
        0.5 * (s[k / 2 - 1] + s[k / 2])
    }
}

/// Bulk and tail R̂ (Vehtari et al. 2021 §4.1–4.2) of equal-length chains.
/// Errors on no chains, fewer than 4 draws, unequal lengths, non-finite draws, or
/// all draws equal. The tail R̂ is NaN when all folded draws are equal.
pub fn bulk_tail_rhat(chains: &[Vec<f64>]) -> Result<(f64, f64), MetricError> {
    let sp = split(chains)?;
    let z = transform_pooled(&sp, rank_normalize);
    let bulk = rhat_of(&z)?;
    let folded = transform_pooled(&sp, |v| {
        let med = median(v);
        let f: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
        rank_normalize(&f)
    });
    // Folded draws can all be equal when the draws are (e.g. two stuck chains
    // symmetric about the median); the tail R̂ is then undefined (NaN).
    let tail = rhat_of(&folded).unwrap_or(f64::NAN);
    Ok((bulk, tail))
}

/// Rank-normalized split R̂ = max(bulk R̂, tail R̂) (Vehtari et al. 2021); see the
/// module docs. At least 4 draws per chain; one chain is allowed (it is split in two).
/// Chains stuck at different values give +∞; an undefined (NaN) tail R̂ is ignored.
pub fn split_rhat(chains: &[Vec<f64>]) -> Result<f64, MetricError> {
    let (b, t) = bulk_tail_rhat(chains)?;
    Ok(if t.is_nan() { b } else { b.max(t) })
}

/// Bulk ESS (Vehtari et al. 2021 §3.2, with the multi-chain autocorrelation of
/// Gelman et al. BDA3 Eq. (11.7) on the rank-normalized split chains):
/// ρ̂_t = 1 − (W − mean_m γ̂_{m,t}) / var̂⁺ with γ̂_{m,t} the biased autocovariances of
/// split chain m, truncated by Geyer's initial monotone sequence (pairs
/// P_k = ρ̂_{2k} + ρ̂_{2k+1} while positive, made non-increasing), τ̂ = −1 + 2 Σ P_k,
/// ESS = S / τ̂ with S = 2M⌊N/2⌋. Stan's additional steps (the extra even-lag term and
/// the cap τ̂ ≥ 1/log10(S)) are not applied: this is
/// [`crate::diagnostics::ess_bulk_with`] with [`EssConvention::Sampo`]; use
/// [`EssConvention::Arviz`] there for Stan/ArviZ's value. Errors as [`split_rhat`],
/// and when τ̂ ≤ 0 (strongly antithetic chains, ρ̂_1 < −1/2).
pub fn ess_bulk(chains: &[Vec<f64>]) -> Result<f64, MetricError> {
    ess_bulk_with(chains, EssConvention::Sampo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    fn iid(n: usize, mean: f64, sd: f64, seed: u64, idx: u64) -> Vec<f64> {
        let mut r = rng::stream(seed, idx);
        (0..n)
            .map(|_| mean + sd * rng::standard_normal(&mut r))
            .collect()
    }

    #[test]
    fn rank_normalization_by_hand() {
        // Values [10, 30, 20, 20]: ranks [1, 4, 2.5, 2.5], S = 4.
        let z = rank_normalize(&[10.0, 30.0, 20.0, 20.0]);
        let nrm = Normal::standard();
        let want = [1.0, 4.0, 2.5, 2.5].map(|r: f64| nrm.inverse_cdf((r - 0.375) / 4.25));
        for (a, b) in z.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12);
        }
        assert!((z[2]).abs() < 1e-9, "middle rank maps to 0: {}", z[2]);
    }

    #[test]
    fn plain_rhat_formula_by_hand() {
        // Chains {1,2,3}, {3,4,5}: W = 1, B/n = 2, var+ = 2/3 + 2, R̂ = sqrt(8/3).
        let (w, vp) = variances(&[vec![1.0, 2.0, 3.0], vec![3.0, 4.0, 5.0]]);
        assert!((w - 1.0).abs() < 1e-15 && (vp - 8.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn well_mixed_chains_give_rhat_near_one() {
        // 4 iid chains of 2000 → 8 split chains of n = 1000. Under iid draws
        // R̂² ≈ 1 + (χ²_7/7 − 1)/n, so R̂ − 1 ≈ (χ²_7/7 − 1)/(2n); P(χ²_7/7 > 5) ≈ 1e-5
        // gives R̂ < 1 + 4/(2n) = 1.002 (bulk and tail alike).
        for seed in [1, 2, 3] {
            let chains: Vec<Vec<f64>> = (0..4).map(|c| iid(2000, 0.0, 1.0, seed, c)).collect();
            let r = split_rhat(&chains).unwrap();
            assert!(r < 1.002 && r > 0.99, "seed {seed}: {r}");
        }
    }

    #[test]
    fn detects_shifted_means_scales_and_trends() {
        // One chain shifted by 3 sd.
        let mut chains: Vec<Vec<f64>> = (0..4).map(|c| iid(1000, 0.0, 1.0, 10, c)).collect();
        chains[3].iter_mut().for_each(|x| *x += 3.0);
        let (b, _) = bulk_tail_rhat(&chains).unwrap();
        assert!(b > 1.1, "bulk {b}");
        // Same location, one chain 3× wider: bulk R̂ stays near 1, tail R̂ does not.
        let mut chains: Vec<Vec<f64>> = (0..4).map(|c| iid(1000, 0.0, 1.0, 11, c)).collect();
        chains[0].iter_mut().for_each(|x| *x *= 3.0);
        let (b, t) = bulk_tail_rhat(&chains).unwrap();
        assert!(b < 1.01 && t > 1.1, "bulk {b}, tail {t}");
        assert_eq!(split_rhat(&chains).unwrap(), t);
        // A drift from −2 to 2 inside every chain: invisible to unsplit R̂, caught by
        // splitting.
        let chains: Vec<Vec<f64>> = (0..4)
            .map(|c| {
                let v = iid(1000, 0.0, 1.0, 12, c);
                v.iter()
                    .enumerate()
                    .map(|(i, x)| x - 2.0 + 4.0 * i as f64 / 999.0)
                    .collect()
            })
            .collect();
        assert!(split_rhat(&chains).unwrap() > 1.1);
        // Stuck chains at different values: +∞.
        let stuck = vec![vec![1.0; 10], vec![2.0; 10]];
        assert_eq!(split_rhat(&stuck).unwrap(), f64::INFINITY);
    }

    #[test]
    fn bulk_ess_matches_iid_and_ar1() {
        // iid: ESS ≈ S = 8000 (Geyer's estimator has relative sd of a few %).
        let chains: Vec<Vec<f64>> = (0..4).map(|c| iid(2000, 0.0, 1.0, 20, c)).collect();
        let e = ess_bulk(&chains).unwrap();
        assert!((e / 8000.0 - 1.0).abs() < 0.15, "{e}");
        // AR(1), φ = 0.5: τ = 3, ESS ≈ 8000/3; the rank transform is monotone and
        // nearly linear for Gaussian margins so τ is kept.
        let chains: Vec<Vec<f64>> = (0..4)
            .map(|c| {
                let e = iid(20_000, 0.0, 1.0, 21, c);
                let mut x = 0.0;
                e.iter()
                    .map(|v| {
                        x = 0.5 * x + v;
                        x
                    })
                    .collect()
            })
            .collect();
        let e = ess_bulk(&chains).unwrap();
        assert!((e / (80_000.0 / 3.0) - 1.0).abs() < 0.15, "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(e(split_rhat(&[])).contains("chains"));
        assert!(e(split_rhat(&[vec![1.0, 2.0, 3.0]])).contains("chains"));
        assert!(e(split_rhat(&[vec![1.0; 6], vec![1.0; 5]])).contains("chains"));
        assert!(e(split_rhat(&[vec![1.0, 2.0, f64::NAN, 3.0]])).contains("chains"));
        assert!(e(split_rhat(&[vec![1.0; 8], vec![1.0; 8]])).contains("equal"));
        assert!(e(ess_bulk(&[vec![1.0; 8]])).contains("chains"));
    }
}
