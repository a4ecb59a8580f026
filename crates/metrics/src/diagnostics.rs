//! MCMC convergence diagnostics per coordinate: bulk and tail ESS, MCSE of the mean,
//! rank-normalized split R̂, in two conventions ([`EssConvention`]).
//!
//! All quantities follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
//! "Rank-normalization, folding, and localization: an improved R̂ for assessing
//! convergence of MCMC", Bayesian Analysis 16(2) (VGSCB below). M chains of N draws are
//! split into 2M half-chains of n = ⌊N/2⌋ draws (the middle draw of an odd N is
//! dropped), S = 2Mn.
//!
//! # The multi-chain ESS of split chains
//!
//! With γ̂_{m,t} the biased (divisor n) autocovariances of half-chain m
//! ([`crate::ess::autocovariance`]), W the mean within-chain variance (divisor n − 1)
//! and var̂⁺ = (n − 1)/n · W + B/n (B/n = variance of the half-chain means, divisor
//! 2M − 1), the combined autocorrelation is (BDA3 Eq. (11.7); VGSCB Eq. (10))
//!
//! ρ̂_t = 1 − (W − mean_m γ̂_{m,t}) / var̂⁺,
//!
//! and ESS = S / τ̂ with τ̂ from Geyer's (1992) initial sequences on the pair sums
//! P_k = ρ̂_{2k} + ρ̂_{2k+1}. The two conventions differ only in how τ̂ is formed:
//!
//! - [`EssConvention::Sampo`] (this crate's [`crate::rhat::ess_bulk`]): keep P_0, P_1, …
//!   while P_k > 0 (up to the last complete pair), make them non-increasing
//!   (P_k ← min(P_k, P_{k−1})), τ̂ = −1 + 2 Σ_k P_k. Nothing else; τ̂ ≤ 0 (possible
//!   when ρ̂_1 < −1/2, antithetic chains) is an error.
//! - [`EssConvention::Arviz`] (Stan's `ess_rfun` / `posterior::ess_basic`, ArviZ
//!   0.23 `stats/diagnostics.py::_ess`): the pair P_k = (ρ̂_{2k}, ρ̂_{2k+1}), k ≥ 1, is
//!   computed while the previous pair sum is > 0 and 2k − 1 < n − 3; it is kept when
//!   P_k ≥ 0. The last pair computed (the first non-positive one, or the one at the
//!   length limit) never enters the doubled sum; its even term ρ̂_{2K} is added once
//!   (Stan's "improve estimation" step: it is the next term of the positive
//!   sequence, already known) when positive, or when that pair was kept. The kept pairs are
//!   made monotone by replacing a pair whose sum exceeds the previous pair's by two
//!   halves of the previous sum. Then τ̂ = −1 + 2 Σ_{k<K} P_k + ρ̂_{2K}, capped below
//!   at τ̂ ≥ 1/log10(S) (so ESS ≤ S log10 S for antithetic chains), and a series whose
//!   range is below 1e-15 (NumPy's `finfo(float).resolution`) gets ESS = S.
//!
//! Both use the same autocovariances (zero-padded FFT), so on the same input the
//! conventions differ only by (i) the extra ρ̂_{2K} term (none when it is ≤ 0: then
//! the two agree to rounding), (ii) the length limit when no pair sum turns
//! non-positive (chains with different means: Sampo sums all pairs, ArviZ stops
//! before lag n − 3 and drops the last pair), and (iii) the cap. On the golden chains
//! of `tests/arviz_golden.rs` the Sampo bulk ESS differs from ArviZ's by 0, 0, 0,
//! +2.1e-4 (i), −5.8e-3 (ii) and +60% (iii, φ = −0.6).
//!
//! # The quantities
//!
//! - **bulk ESS** ([`ess_bulk_with`], VGSCB §4.1): the ESS above of the
//!   rank-normalized split chains ([`crate::rhat::rank_normalize`] over all S draws).
//! - **tail ESS** ([`ess_tail_with`], VGSCB §4.3): min over p ∈ {0.05, 0.95} of the
//!   ESS of the split indicator chains I(θ ≤ q̂_p), with q̂_p the type-7 sample
//!   quantile (Hyndman & Fan 1996; R's default, SciPy's `mquantiles(alphap=1,
//!   betap=1)` as ArviZ uses it) of all M·N draws. No rank normalization.
//! - **mean ESS and MCSE** ([`ess_mean_with`], [`mcse_mean_with`]): MCSE = sd /
//!   sqrt(ESS_mean), sd the sample standard deviation (divisor MN − 1) of all M·N
//!   draws. Arviz: ESS_mean is the ESS above of the raw (not rank-normalized) split
//!   chains (ArviZ `_ess_mean`, `_mcse_mean`). Sampo: ESS_mean = Σ_c ESS_c of the
//!   unsplit chains, each by [`crate::ess::ess`] (the convention of
//!   [`crate::ess::mcse_mean`]).
//! - **R̂**: [`crate::rhat::split_rhat`], max of bulk and tail R̂; the same in both
//!   conventions (it matches ArviZ's `rhat(method="rank")`). ArviZ returns NaN for
//!   one chain; here one chain is split in two and R̂ is that of its halves.
//!
//! # Errors and constant input
//!
//! Every function errors (never NaN) on no chains, fewer than 4 draws per chain,
//! unequal chain lengths, a non-finite draw, or all draws equal (a constant
//! coordinate has no ESS or R̂; ArviZ returns ESS = S and R̂ = NaN there). In the
//! Arviz convention a tail indicator that is constant (possible only with heavy ties)
//! gets ESS = S as in ArviZ; in the Sampo convention it, like any split series with
//! zero within-chain variance, is an error.

use crate::MetricError;
use crate::ess::{autocovariance, ess};
use crate::rhat::{rank_normalize, split, split_rhat, transform_pooled, variances};
use sampo_core::Particles;

/// How the integrated autocorrelation time of split chains is truncated (see the
/// module docs).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum EssConvention {
    /// Geyer's initial monotone sequence, nothing more (this crate's historical
    /// [`crate::rhat::ess_bulk`] and [`crate::ess::mcse_mean`]).
    #[default]
    Sampo,
    /// Stan / ArviZ: Geyer's sequences as ArviZ 0.23 applies them, the extra
    /// even-lag term, τ̂ ≥ 1/log10(S), and ESS = S for a numerically constant series.
    Arviz,
}

/// ArviZ's threshold for a constant series: `np.finfo(float).resolution` = 1e-15.
const ARVIZ_CONSTANT_RANGE: f64 = 1e-15;

/// Tail probabilities of the tail ESS (VGSCB §4.3).
const TAIL_PROBS: [f64; 2] = [0.05, 0.95];

/// ESS of equal-length split chains (at least 2 chains of at least 2 draws) in the
/// chosen convention; `what` names the series in errors.
fn ess_split(chains: &[Vec<f64>], conv: EssConvention, what: &str) -> Result<f64, MetricError> {
    match conv {
        EssConvention::Sampo => ess_split_sampo(chains, what),
        EssConvention::Arviz => ess_split_arviz(chains, what),
    }
}

/// [`EssConvention::Sampo`]: Geyer's initial monotone sequence on the multi-chain ρ̂_t.
fn ess_split_sampo(z: &[Vec<f64>], what: &str) -> Result<f64, MetricError> {
    let (w, var_plus) = variances(z);
    if w.is_nan() || w <= 0.0 {
        return Err(MetricError::invalid(
            "chains",
            format!("zero within-chain variance {what}"),
        ));
    }
    let n = z[0].len();
    let m = z.len() as f64;
    let acovs: Vec<Vec<f64>> = z.iter().map(|c| autocovariance(c)).collect();
    let rho = |t: usize| {
        let mean_acov = acovs.iter().map(|a| a[t]).sum::<f64>() / m;
        1.0 - (w - mean_acov) / var_plus
    };
    let mut sum = 0.0;
    let mut prev = f64::INFINITY;
    let mut k = 0;
    while 2 * k + 1 < n {
        let p = if k == 0 {
            1.0 + rho(1)
        } else {
            rho(2 * k) + rho(2 * k + 1)
        };
        if p <= 0.0 {
            break;
        }
        let p = p.min(prev);
        sum += p;
        prev = p;
        k += 1;
    }
    let tau = -1.0 + 2.0 * sum;
    if tau <= 0.0 {
        // P_0 = 1 + ρ̂_1 < 1/2: strongly antithetic chains, where Geyer's estimate is
        // not positive; Stan/ArviZ cap τ̂ instead.
        return Err(MetricError::invalid(
            "chains",
            format!(
                "Geyer's τ̂ = {tau} {what} is not positive (antithetic chains); \
                 EssConvention::Arviz caps it at 1/log10(S)"
            ),
        ));
    }
    Ok(m * n as f64 / tau)
}

/// [`EssConvention::Arviz`]: the τ̂ of Stan's `ess_rfun` as ArviZ 0.23 computes it
/// (module docs). W is taken from the lag-0 autocovariances, as there.
fn ess_split_arviz(z: &[Vec<f64>], what: &str) -> Result<f64, MetricError> {
    let m = z.len();
    let n = z[0].len();
    let s = (m * n) as f64;
    let (lo, hi) = z
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi - lo < ARVIZ_CONSTANT_RANGE {
        return Ok(s);
    }
    let nf = n as f64;
    let mf = m as f64;
    let acovs: Vec<Vec<f64>> = z.iter().map(|c| autocovariance(c)).collect();
    let mean_acov = |t: usize| acovs.iter().map(|a| a[t]).sum::<f64>() / mf;
    // W (divisor n − 1) from the biased lag-0 autocovariances.
    let w = mean_acov(0) * nf / (nf - 1.0);
    let mut var_plus = w * (nf - 1.0) / nf;
    if m > 1 {
        let means: Vec<f64> = z.iter().map(|c| c.iter().sum::<f64>() / nf).collect();
        let grand = means.iter().sum::<f64>() / mf;
        var_plus += means.iter().map(|v| (v - grand).powi(2)).sum::<f64>() / (mf - 1.0);
    }
    if !(var_plus > 0.0 && var_plus.is_finite()) {
        return Err(MetricError::invalid(
            "chains",
            format!("zero variance {what}"),
        ));
    }
    let rho = |t: usize| 1.0 - (w - mean_acov(t)) / var_plus;
    // r holds the kept ρ̂_t; unkept lags stay 0.
    let mut r = vec![0.0; n];
    r[0] = 1.0;
    let mut even = 1.0;
    let mut odd = rho(1);
    r[1] = odd;
    // t is the odd lag closing the last pair computed.
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            r[t + 1] = even;
            r[t + 2] = odd;
        }
        t += 2;
    }
    // Lags 0..head enter the doubled sum (head = t − 1 = the last pair's even lag; 0
    // when no pair beyond the first was computed).
    let head = t - 1;
    if even > 0.0 {
        r[head] = even;
    }
    // Monotone sequence over the pairs (2k, 2k + 1) with 2k + 1 < head.
    let mut k = 1;
    while 2 * k + 1 < head {
        let prev = r[2 * k - 2] + r[2 * k - 1];
        if r[2 * k] + r[2 * k + 1] > prev {
            r[2 * k] = prev / 2.0;
            r[2 * k + 1] = prev / 2.0;
        }
        k += 1;
    }
    // r[head] is ρ̂_{2K} when positive or when its pair was kept, else 0.
    let tau = -1.0 + 2.0 * r[..head].iter().sum::<f64>() + r[head];
    let tau = tau.max(1.0 / s.log10());
    Ok(s / tau)
}

/// Errors when every draw equals the first (shared by all quantities).
fn check_not_constant(chains: &[Vec<f64>]) -> Result<(), MetricError> {
    let first = chains[0][0];
    if chains.iter().flatten().all(|&v| v == first) {
        return Err(MetricError::invalid(
            "chains",
            format!("all draws are equal ({first}): ESS and R̂ are undefined"),
        ));
    }
    Ok(())
}

/// Validates `chains` (via [`crate::rhat`]'s split) and returns the split chains.
fn checked_split(chains: &[Vec<f64>]) -> Result<Vec<&[f64]>, MetricError> {
    let sp = split(chains)?;
    check_not_constant(chains)?;
    Ok(sp)
}

/// Bulk ESS (VGSCB §4.1): the ESS of the rank-normalized split chains, in the
/// convention `conv` (module docs). `EssConvention::Sampo` equals
/// [`crate::rhat::ess_bulk`].
pub fn ess_bulk_with(chains: &[Vec<f64>], conv: EssConvention) -> Result<f64, MetricError> {
    let sp = checked_split(chains)?;
    let z = transform_pooled(&sp, rank_normalize);
    ess_split(&z, conv, "after rank normalization")
}

/// The type-7 sample quantile of sorted `x` as SciPy's `mquantiles(alphap=1,
/// betap=1)` evaluates it: h = n p + (1 − p), k = ⌊clamp(h, 1, n − 1)⌋,
/// γ = clamp(h − k, 0, 1), q = (1 − γ) x_(k) + γ x_(k+1) (1-based order statistics).
/// For n ≥ 2 this is x_(⌊(n−1)p⌋+1) interpolated linearly (Hyndman & Fan 1996, def. 7).
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    // SciPy's m = α + p(1 − α − β) = 1 + p·(−1), which is 1 − p exactly in IEEE.
    let h = n as f64 * p + (1.0 - p);
    let k = h.clamp(1.0, (n - 1) as f64).floor();
    let gamma = (h - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - gamma) * sorted[k - 1] + gamma * sorted[k]
}

/// Tail ESS (VGSCB §4.3): min over p ∈ {0.05, 0.95} of the ESS of the split chains of
/// I(θ ≤ q̂_p), q̂_p the [`quantile_type7`] of all draws; in the convention `conv`.
pub fn ess_tail_with(chains: &[Vec<f64>], conv: EssConvention) -> Result<f64, MetricError> {
    checked_split(chains)?;
    let mut sorted: Vec<f64> = chains.iter().flatten().copied().collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut best = f64::INFINITY;
    for p in TAIL_PROBS {
        let q = quantile_type7(&sorted, p);
        let ind: Vec<Vec<f64>> = chains
            .iter()
            .map(|c| c.iter().map(|&v| f64::from(u8::from(v <= q))).collect())
            .collect();
        let sp = split(&ind)?;
        let sp: Vec<Vec<f64>> = sp.into_iter().map(<[f64]>::to_vec).collect();
        let what = format!("of the indicator I(x <= q_{p})");
        best = best.min(ess_split(&sp, conv, &what)?);
    }
    Ok(best)
}

/// ESS for the mean (module docs): Arviz, the ESS of the raw split chains (ArviZ
/// `ess(method="mean")`); Sampo, Σ_c [`crate::ess::ess`] of the unsplit chains (errors
/// when that sum is 0, i.e. no chain has a positive Geyer τ̂).
pub fn ess_mean_with(chains: &[Vec<f64>], conv: EssConvention) -> Result<f64, MetricError> {
    let sp = checked_split(chains)?;
    match conv {
        EssConvention::Arviz => {
            let sp: Vec<Vec<f64>> = sp.into_iter().map(<[f64]>::to_vec).collect();
            ess_split_arviz(&sp, "of the draws")
        }
        EssConvention::Sampo => {
            let total: f64 = chains.iter().map(|c| ess(c)).sum();
            if total > 0.0 {
                Ok(total)
            } else {
                Err(MetricError::invalid(
                    "chains",
                    "no chain has a positive Geyer autocorrelation time",
                ))
            }
        }
    }
}

/// Sample mean and standard deviation (divisor S − 1) of all draws.
fn mean_sd(chains: &[Vec<f64>]) -> (f64, f64) {
    let n = chains.iter().map(Vec::len).sum::<usize>() as f64;
    let mean = chains.iter().flatten().sum::<f64>() / n;
    let ss = chains
        .iter()
        .flatten()
        .map(|v| (v - mean).powi(2))
        .sum::<f64>();
    (mean, (ss / (n - 1.0)).sqrt())
}

/// Monte Carlo standard error of the mean, sd / sqrt(ESS_mean) with sd over all
/// draws (divisor MN − 1) and ESS_mean from [`ess_mean_with`] (ArviZ
/// `mcse(method="mean")` for `EssConvention::Arviz`; the value of
/// [`crate::ess::mcse_mean`] for `EssConvention::Sampo`).
pub fn mcse_mean_with(chains: &[Vec<f64>], conv: EssConvention) -> Result<f64, MetricError> {
    let e = ess_mean_with(chains, conv)?;
    Ok(mean_sd(chains).1 / e.sqrt())
}

/// Diagnostics of one coordinate (ArviZ `summary`'s mean, sd, mcse_mean, ess_bulk,
/// ess_tail, r_hat).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoordinateSummary {
    /// Mean of all draws.
    pub mean: f64,
    /// Standard deviation of all draws (divisor MN − 1).
    pub sd: f64,
    /// [`mcse_mean_with`].
    pub mcse_mean: f64,
    /// [`ess_bulk_with`].
    pub ess_bulk: f64,
    /// [`ess_tail_with`].
    pub ess_tail: f64,
    /// [`crate::rhat::split_rhat`] (rank-normalized, max of bulk and tail).
    pub rhat: f64,
}

/// All diagnostics of one coordinate given as chains (equal lengths, ≥ 4 draws);
/// errors as the individual functions (module docs).
pub fn summarize_chains(
    chains: &[Vec<f64>],
    conv: EssConvention,
) -> Result<CoordinateSummary, MetricError> {
    checked_split(chains)?;
    let (mean, sd) = mean_sd(chains);
    Ok(CoordinateSummary {
        mean,
        sd,
        mcse_mean: mcse_mean_with(chains, conv)?,
        ess_bulk: ess_bulk_with(chains, conv)?,
        ess_tail: ess_tail_with(chains, conv)?,
        rhat: split_rhat(chains)?,
    })
}

/// Checks a chain-major sample (`n_chains` chains of equal length, rows
/// c·m..(c+1)·m for chain c) and returns the draws per chain m.
fn check_chain_major(samples: &Particles, n_chains: usize) -> Result<usize, MetricError> {
    if n_chains == 0 {
        return Err(MetricError::invalid("n_chains", "must be at least 1"));
    }
    if samples.dim() == 0 {
        return Err(MetricError::invalid("samples", "dimension 0"));
    }
    if !samples.len().is_multiple_of(n_chains) {
        return Err(MetricError::invalid(
            "samples",
            format!(
                "{} rows do not split into n_chains = {n_chains} chains of equal length",
                samples.len()
            ),
        ));
    }
    let m = samples.len() / n_chains;
    if m < 4 {
        return Err(MetricError::invalid(
            "samples",
            format!("need at least 4 draws per chain, got {m}"),
        ));
    }
    Ok(m)
}

/// Coordinate `j` of a chain-major sample as `n_chains` chains: chain c is rows
/// c·m..(c+1)·m with m = n / n_chains. Errors name `n_chains` (0), `samples` (rows not
/// divisible by n_chains, fewer than 4 draws per chain, dimension 0) or `j`.
pub fn chains_of(
    samples: &Particles,
    n_chains: usize,
    j: usize,
) -> Result<Vec<Vec<f64>>, MetricError> {
    let m = check_chain_major(samples, n_chains)?;
    if j >= samples.dim() {
        return Err(MetricError::invalid(
            "j",
            format!(
                "coordinate {j} is not below the dimension {}",
                samples.dim()
            ),
        ));
    }
    let col = samples.column(j);
    Ok(col.chunks(m).map(<[f64]>::to_vec).collect())
}

/// Per-coordinate diagnostics of chain-major samples (`n_chains` chains × m draws ×
/// d coordinates, chain c = rows c·m..(c+1)·m, as the harness's runs store them).
///
/// The outer error is structural (see [`chains_of`]); entry j is coordinate j's
/// [`summarize_chains`] result, whose error names `samples[:, j]` (e.g. a constant or
/// non-finite coordinate) without affecting the other coordinates.
pub fn summarize(
    samples: &Particles,
    n_chains: usize,
    conv: EssConvention,
) -> Result<Vec<Result<CoordinateSummary, MetricError>>, MetricError> {
    check_chain_major(samples, n_chains)?;
    Ok((0..samples.dim())
        .map(|j| {
            let chains = chains_of(samples, n_chains, j)?;
            summarize_chains(&chains, conv)
                .map_err(|e| MetricError::invalid(format!("samples[:, {j}]"), e.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ess::mcse_mean;
    use sampo_core::rng;

    /// AR(1) chain x_t = φ x_{t−1} + e_t from stationarity; τ = (1 + φ)/(1 − φ).
    fn ar1(phi: f64, n: usize, seed: u64, idx: u64) -> Vec<f64> {
        let mut r = rng::stream(seed, idx);
        let mut x = rng::standard_normal(&mut r) / (1.0 - phi * phi).sqrt();
        (0..n)
            .map(|_| {
                x = phi * x + rng::standard_normal(&mut r);
                x
            })
            .collect()
    }

    fn chains(phi: f64, m: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
        (0..m as u64).map(|c| ar1(phi, n, seed, c)).collect()
    }

    #[test]
    fn quantile_type7_by_hand() {
        // R's type 7: x_(1) + (n − 1)p steps: 1.15 and 3.85 for {1, 2, 3, 4}.
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile_type7(&x, 0.05) - 1.15).abs() < 1e-12);
        assert!((quantile_type7(&x, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile_type7(&x, 0.0), 1.0);
        assert_eq!(quantile_type7(&x, 1.0), 4.0);
        assert_eq!(quantile_type7(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn sampo_convention_is_the_historical_one() {
        let ch = chains(0.7, 4, 500, 1);
        assert_eq!(
            ess_bulk_with(&ch, EssConvention::Sampo).unwrap(),
            crate::rhat::ess_bulk(&ch).unwrap()
        );
        let want = mcse_mean(&ch).1;
        let got = mcse_mean_with(&ch, EssConvention::Sampo).unwrap();
        assert!((got / want - 1.0).abs() < 1e-14, "{got} vs {want}");
        assert_eq!(EssConvention::default(), EssConvention::Sampo);
    }

    /// Alternating chains (ρ_1 ≈ −1) have τ → 0; ArviZ caps τ̂ at 1/log10(S), so its
    /// ESS is exactly S log10(S). Sampo's Geyer sum has P_0 = 1 + ρ̂_1 > 0 small, so its
    /// ESS is far larger.
    #[test]
    fn arviz_caps_tau_for_antithetic_chains() {
        let ch: Vec<Vec<f64>> = (0..4u64)
            .map(|c| {
                let mut r = rng::stream(2, c);
                (0..200)
                    .map(|t| {
                        let s = if t % 2 == 0 { 1.0 } else { -1.0 };
                        s + 0.01 * rng::standard_normal(&mut r)
                    })
                    .collect()
            })
            .collect();
        let s = 800.0f64;
        for f in [ess_bulk_with, ess_mean_with] {
            let a = f(&ch, EssConvention::Arviz).unwrap();
            assert!((a - s * s.log10()).abs() < 1e-9 * a, "{a}");
            let e = f(&ch, EssConvention::Sampo).unwrap_err().to_string();
            assert!(e.contains("chains") && e.contains("positive"), "{e}");
        }
    }

    /// 97% of the draws equal the maximum 0, so q̂_0.05 = 0 and I(x ≤ q̂_0.05) ≡ 1:
    /// ArviZ's ESS of a constant series is S; the Sampo convention refuses it.
    #[test]
    fn constant_tail_indicator() {
        let ch: Vec<Vec<f64>> = (0..2)
            .map(|c| {
                (0..100)
                    .map(|t| if t % 33 == c { -1.0 - t as f64 } else { 0.0 })
                    .collect()
            })
            .collect();
        assert_eq!(ess_tail_with(&ch, EssConvention::Arviz).unwrap(), 200.0);
        let e = ess_tail_with(&ch, EssConvention::Sampo).unwrap_err();
        assert!(e.to_string().contains("indicator"), "{e}");
    }

    /// Under φ = 0.5, τ = 3: both conventions give bulk ESS ≈ S/3 and tail ESS of order
    /// S/τ_I; iid chains give ≈ S. Geyer's τ̂ has relative sd about sqrt(2(2L+1)/n)
    /// (Sokal) with window L ≈ 5τ; at n = 10⁴ per split chain that is ≈ 5%, pooled over
    /// 8 split chains below 2%: 10% is over 5 sd.
    #[test]
    fn ess_recovers_ar1_and_iid_values() {
        let ch = chains(0.5, 4, 20_000, 3);
        let s = 80_000.0;
        for conv in [EssConvention::Sampo, EssConvention::Arviz] {
            let b = ess_bulk_with(&ch, conv).unwrap();
            assert!((b / (s / 3.0) - 1.0).abs() < 0.1, "{conv:?}: {b}");
            let m = ess_mean_with(&ch, conv).unwrap();
            assert!((m / (s / 3.0) - 1.0).abs() < 0.1, "{conv:?}: {m}");
        }
        let iid = chains(0.0, 4, 20_000, 4);
        for conv in [EssConvention::Sampo, EssConvention::Arviz] {
            let t = ess_tail_with(&iid, conv).unwrap();
            assert!((t / s - 1.0).abs() < 0.1, "{conv:?}: {t}");
        }
    }

    /// 200 replicates of 4 AR(1) chains (φ = 0.8, 4 × 1000): |mean| / MCSE should be
    /// N(0, 1)-like; exceedances of 2 are binomial(200, 0.0455): mean 9.1, sd 2.9, so
    /// 0..=21 is 4 sd above the mean.
    #[test]
    fn arviz_mcse_covers_the_truth() {
        let mut exceed = 0;
        for r in 0..200 {
            let ch = chains(0.8, 4, 1000, 100 + r);
            let mean = ch.iter().flatten().sum::<f64>() / 4000.0;
            let se = mcse_mean_with(&ch, EssConvention::Arviz).unwrap();
            if (mean / se).abs() > 2.0 {
                exceed += 1;
            }
        }
        assert!((0..=21).contains(&exceed), "{exceed} of 200");
    }

    #[test]
    fn summarize_chain_major_layout_and_per_coordinate_errors() {
        // Coordinate 0: chain c is AR(1) shifted by c; coordinate 1 is constant;
        // coordinate 2 has a NaN in chain 1.
        let (m, n) = (3, 50);
        let mut p = Particles::zeros(m * n, 3);
        for c in 0..m {
            let x = ar1(0.3, n, 7, c as u64);
            for (t, &v) in x.iter().enumerate() {
                let row = p.row_mut(c * n + t);
                row[0] = v + c as f64;
                row[1] = 2.5;
                row[2] = if c == 1 && t == 4 { f64::NAN } else { v };
            }
        }
        let rows = summarize(&p, m, EssConvention::Arviz).unwrap();
        let ch0 = chains_of(&p, m, 0).unwrap();
        assert_eq!(ch0.len(), 3);
        assert_eq!(ch0[2][0], p.row(2 * n)[0]);
        let s0 = rows[0].as_ref().unwrap();
        assert_eq!(*s0, summarize_chains(&ch0, EssConvention::Arviz).unwrap());
        assert!(s0.rhat > 1.1, "shifted chains: R̂ {}", s0.rhat);
        let e1 = rows[1].as_ref().unwrap_err().to_string();
        assert!(e1.contains("samples[:, 1]") && e1.contains("equal"), "{e1}");
        let e2 = rows[2].as_ref().unwrap_err().to_string();
        assert!(
            e2.contains("samples[:, 2]") && e2.contains("not finite"),
            "{e2}"
        );
        // Structural errors.
        let e = |r: Result<Vec<Result<CoordinateSummary, MetricError>>, MetricError>| {
            r.unwrap_err().to_string()
        };
        assert!(e(summarize(&p, 0, EssConvention::Sampo)).contains("n_chains"));
        assert!(e(summarize(&p, 4, EssConvention::Sampo)).contains("`samples`"));
        let short = Particles::zeros(6, 1);
        assert!(e(summarize(&short, 2, EssConvention::Sampo)).contains("at least 4"));
        assert!(chains_of(&p, m, 3).unwrap_err().to_string().contains("`j`"));
    }

    #[test]
    fn bad_chains_are_named_errors() {
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        for conv in [EssConvention::Sampo, EssConvention::Arviz] {
            for f in [ess_bulk_with, ess_tail_with, ess_mean_with, mcse_mean_with] {
                assert!(e(f(&[], conv)).contains("chains"));
                assert!(e(f(&[vec![1.0, 2.0, 3.0]], conv)).contains("at least 4"));
                assert!(e(f(&[vec![1.0; 6], vec![1.0; 5]], conv)).contains("chains"));
                assert!(e(f(&[vec![0.0, 1.0, f64::INFINITY, 3.0]], conv)).contains("finite"));
                assert!(e(f(&[vec![3.0; 8], vec![3.0; 8]], conv)).contains("all draws are equal"));
            }
        }
    }
}
