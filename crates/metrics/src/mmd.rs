//! Maximum mean discrepancy (Gretton, Borgwardt, Rasch, Schölkopf & Smola, JMLR 2012)
//! with sums of Gaussian (RBF) kernels.
//!
//! MMD²(P, Q) = E k(X, X') + E k(Y, Y') − 2 E k(X, Y), X, X' ~ P, Y, Y' ~ Q.
//! For samples x_1..x_n and y_1..y_m (Gretton et al. 2012, Eqs. (3) and (5)):
//!
//! - **unbiased (U-statistic)**:
//!   MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
//!   − 2/(nm) Σ_{i,j} k(x_i, y_j); needs n, m ≥ 2; can be negative; mean zero when P = Q.
//! - **biased (V-statistic)**: the same with the diagonals included and 1/n², 1/m²;
//!   always ≥ 0, exactly 0 for identical samples, and biased upward by about
//!   (E k(X,X) − E k(X,X'))/n + (same for Y)/m.
//!
//! **Kernel convention.** [`Kernel::Rbf`] with bandwidths σ_1..σ_L is
//! k(x, y) = Σ_l exp(−|x − y|² / (2 σ_l²)) (a sum, not a mean, of L Gaussian kernels;
//! k(x, x) = L). σ is a length scale. The published conventions map onto it as:
//!
//! | suite | kernel | estimator | here |
//! |---|---|---|---|
//! | ZOD-MC (`utils/mmd.py`) | Σ_{b ∈ {2^-2,…,2^7}} exp(−½ d²/b): b is a *variance* | V | [`mmd_zodmc`]: σ_l = √b_l = 2^{(l−2)/2}, l = 0..9 |
//! | gfn-diffusion (`mix_rbf_mmd2`, `biased=True`) | Σ_σ exp(−d²/(2σ²)), σ ∈ {0.01, 0.1, 1, 10, 100} | V | [`mmd_gfn_diffusion`] |
//! | Beyond ELBOs (`mmd_median.py`, from mmdfuse) | exp(−d²/(2λ²)), λ = median pooled distance | hybrid, reports √ | [`mmd_beyond_elbos`] |
//!
//! For tables: [`mmd_median`] is the unbiased MMD²_u (can be negative);
//! [`mmd_median_biased`] is MMD_b = sqrt(V-statistic), non-negative.
//!
//! **Weighted samples** ([`mmd2_weighted`]; weights normalized, [`crate::weights`]):
//! with w̃ on x and ṽ on y,
//!
//! - **V-statistic**: Σ_{i,j} w̃_i w̃_j k(x_i, x_j) + Σ_{i,j} ṽ_i ṽ_j k(y_i, y_j)
//!   − 2 Σ_{i,j} w̃_i ṽ_j k(x_i, y_j) = ‖Σ_i w̃_i φ(x_i) − Σ_j ṽ_j φ(y_j)‖² in the
//!   kernel's feature space: the MMD² between the two weighted empirical measures,
//!   ≥ 0 (up to rounding), 0 for identical weighted samples, and, being a function of
//!   the measures, equal for integer weights to the sample with repeated points.
//! - **U-statistic**: the within-sample sums over i ≠ j only, each renormalized by
//!   its pair mass Σ_{i≠j} w̃_i w̃_j = 1 − Σ_i w̃_i²:
//!   Σ_{i≠j} w̃_i w̃_j k(x_i, x_j) / (1 − Σ w̃_i²) + (same for y) − 2 Σ w̃_i ṽ_j k(x_i, y_j).
//!   For uniform weights this is Gretton et al.'s Eq. (3); for weights fixed in advance
//!   (not functions of the draws) and x_i iid from P it is unbiased for MMD², since
//!   each pair term has mean E k(X, X'). There is no single standard weighted
//!   U-statistic; this is the pair-mass normalization above, derived here. It is
//!   *not* unbiased for self-normalized importance weights (random, ratio
//!   estimator; only consistent), and it does not satisfy the repeated-points
//!   identity (repeated copies form pairs i ≠ j at distance 0, which it counts, while
//!   an integer weight excludes them with the diagonal). Needs at least two points of
//!   positive weight per sample.
//!
//! All pairwise passes are O((n + m)² d), parallel over rows with rayon; each row sum
//! is sequential and the row sums are added in order, so results do not depend on
//! the number of threads.

use crate::MetricError;
use crate::sliced::check_pair;
use crate::weights::normalized_or_uniform;
use rayon::prelude::*;
use sampo_core::Particles;

/// A characteristic kernel for MMD.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Kernel {
    /// Σ_l exp(−|x − y|² / (2 σ_l²)) over the length scales `bandwidths` (σ_l > 0).
    Rbf {
        /// Length scales σ_l.
        bandwidths: Vec<f64>,
    },
}

impl Kernel {
    fn validate(&self) -> Result<(), MetricError> {
        match self {
            Kernel::Rbf { bandwidths } => {
                if bandwidths.is_empty() {
                    return Err(MetricError::invalid("kernel.bandwidths", "empty"));
                }
                if let Some(b) = bandwidths.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
                    return Err(MetricError::invalid(
                        "kernel.bandwidths",
                        format!("each must be finite and > 0, got {b}"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Precomputed −1/(2σ_l²).
    fn coefficients(&self) -> Vec<f64> {
        match self {
            Kernel::Rbf { bandwidths } => bandwidths.iter().map(|s| -0.5 / (s * s)).collect(),
        }
    }
}

/// Which MMD² estimator (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Estimator {
    /// U-statistic: diagonals excluded, mean zero under P = Q.
    Unbiased,
    /// V-statistic: diagonals included, ≥ 0.
    Biased,
}

fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}

#[inline]
fn kval(coef: &[f64], d2: f64) -> f64 {
    coef.iter().map(|c| (c * d2).exp()).sum()
}

/// Σ_{i, j} k(x_i, y_j), or over i ≠ j when `skip_diag` (x = y).
fn kernel_sum(x: &Particles, y: &Particles, coef: &[f64], skip_diag: bool) -> f64 {
    let rows: Vec<f64> = (0..x.len())
        .into_par_iter()
        .map(|i| {
            let xi = x.row(i);
            y.rows()
                .enumerate()
                .filter(|(j, _)| !(skip_diag && *j == i))
                .map(|(_, yj)| kval(coef, sq_dist(xi, yj)))
                .sum::<f64>()
        })
        .collect();
    rows.iter().sum()
}

/// Σ_i w_i Σ_j v_j k(x_i, y_j), or over i ≠ j when `skip_diag` (x = y); rows in
/// parallel, each row and the row total summed in order.
fn weighted_kernel_sum(
    x: &Particles,
    wx: &[f64],
    y: &Particles,
    wy: &[f64],
    coef: &[f64],
    skip_diag: bool,
) -> f64 {
    let rows: Vec<f64> = (0..x.len())
        .into_par_iter()
        .map(|i| {
            let xi = x.row(i);
            let s = y
                .rows()
                .zip(wy)
                .enumerate()
                .filter(|(j, _)| !(skip_diag && *j == i))
                .map(|(_, (yj, v))| v * kval(coef, sq_dist(xi, yj)))
                .sum::<f64>();
            wx[i] * s
        })
        .collect();
    rows.iter().sum()
}

/// MMD² between weighted samples with the chosen estimator (module docs, "Weighted
/// samples"); `None` weights are uniform. With uniform weights it equals
/// [`mmd2_with`] up to rounding. Errors as [`mmd2_with`], and name `wa`, `wb` for
/// invalid weights ([`crate::weights::normalize_weights`]) or, for the unbiased
/// estimator, fewer than two points of positive weight.
pub fn mmd2_weighted(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
    kernel: &Kernel,
    estimator: Estimator,
) -> Result<f64, MetricError> {
    let min_n = match estimator {
        Estimator::Unbiased => 2,
        Estimator::Biased => 1,
    };
    check_pair(a, b, min_n)?;
    kernel.validate()?;
    let pa = normalized_or_uniform(wa, a.len(), "wa")?;
    let pb = normalized_or_uniform(wb, b.len(), "wb")?;
    let coef = kernel.coefficients();
    let kxy = weighted_kernel_sum(a, &pa, b, &pb, &coef, false);
    let diag = coef.len() as f64; // k(x, x) = L
    let within = |p: &Particles, w: &[f64], name: &str| -> Result<f64, MetricError> {
        let off = weighted_kernel_sum(p, w, p, w, &coef, true);
        let sq: f64 = w.iter().map(|v| v * v).sum();
        match estimator {
            Estimator::Biased => Ok(off + diag * sq),
            Estimator::Unbiased => {
                let pair_mass = 1.0 - sq;
                // 1 − Σ w̃² ≥ 1 − max w̃ > 0 unless one point holds all the mass; below
                // 1e-12 the ratio is rounding noise.
                if pair_mass <= 1e-12 {
                    return Err(MetricError::invalid(
                        name,
                        "the weighted U-statistic needs at least two points of positive weight",
                    ));
                }
                Ok(off / pair_mass)
            }
        }
    };
    Ok(within(a, &pa, "wa")? + within(b, &pb, "wb")? - 2.0 * kxy)
}

/// MMD² with the chosen estimator. Errors on a dimension mismatch, non-finite
/// entries, invalid bandwidths, empty samples, or fewer than 2 particles per sample
/// for the unbiased estimator.
pub fn mmd2_with(
    a: &Particles,
    b: &Particles,
    kernel: &Kernel,
    estimator: Estimator,
) -> Result<f64, MetricError> {
    let min_n = match estimator {
        Estimator::Unbiased => 2,
        Estimator::Biased => 1,
    };
    check_pair(a, b, min_n)?;
    kernel.validate()?;
    let coef = kernel.coefficients();
    let (n, m) = (a.len() as f64, b.len() as f64);
    let kxy = kernel_sum(a, b, &coef, false) / (n * m);
    let diag = coef.len() as f64; // k(x, x) = L
    Ok(match estimator {
        Estimator::Unbiased => {
            let kxx = kernel_sum(a, a, &coef, true) / (n * (n - 1.0));
            let kyy = kernel_sum(b, b, &coef, true) / (m * (m - 1.0));
            kxx + kyy - 2.0 * kxy
        }
        Estimator::Biased => {
            let kxx = (kernel_sum(a, a, &coef, true) + n * diag) / (n * n);
            let kyy = (kernel_sum(b, b, &coef, true) + m * diag) / (m * m);
            kxx + kyy - 2.0 * kxy
        }
    })
}

/// Unbiased (U-statistic) MMD² with `kernel`; see [`mmd2_with`].
pub fn mmd2(a: &Particles, b: &Particles, kernel: &Kernel) -> Result<f64, MetricError> {
    mmd2_with(a, b, kernel, Estimator::Unbiased)
}

/// Biased (V-statistic) MMD²; see [`mmd2_with`].
pub fn mmd2_biased(a: &Particles, b: &Particles, kernel: &Kernel) -> Result<f64, MetricError> {
    mmd2_with(a, b, kernel, Estimator::Biased)
}

/// All pooled pairwise Euclidean distances, i < j (or i ≤ j with `with_diag`).
fn pooled_distances(a: &Particles, b: &Particles, with_diag: bool) -> Vec<f64> {
    let n = a.len() + b.len();
    let row = |i: usize| {
        if i < a.len() {
            a.row(i)
        } else {
            b.row(i - a.len())
        }
    };
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let start = if with_diag { i } else { i + 1 };
            (start..n).map(|j| sq_dist(row(i), row(j)).sqrt()).collect()
        })
        .collect();
    rows.concat()
}

/// Median of a non-empty vector; the mean of the two middle values for an even
/// length (as `numpy.median` / `jnp.median`).
fn median(mut v: Vec<f64>) -> f64 {
    let k = v.len();
    let (_, hi, _) = v.select_nth_unstable_by(k / 2, f64::total_cmp);
    let hi = *hi;
    if k % 2 == 1 {
        hi
    } else {
        let lo = v[..k / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lo + hi)
    }
}

/// The median heuristic (Gretton et al. 2012, §8): the median of the Euclidean
/// distances |z_i − z_j|, i < j, over the pooled sample z = (a, b). O((n+m)²) memory
/// for the distances (32 MB at n = m = 2000). Errors if the pooled sample has fewer
/// than 2 points or the median is 0 (more than half the pairs coincide).
pub fn median_bandwidth(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    check_pair(a, b, 1)?;
    let med = median(pooled_distances(a, b, false));
    if med.is_nan() || med <= 0.0 {
        return Err(MetricError::invalid(
            "a, b",
            "median pairwise distance is 0 (too many coincident points)",
        ));
    }
    Ok(med)
}

/// The **unbiased U-statistic MMD²_u** (a squared distance, not its root) with one
/// Gaussian kernel k = exp(−d²/(2λ²)) of length scale λ = [`median_bandwidth`]: the
/// kernel of Beyond ELBOs with the standard estimator. Its mean is the population
/// MMD², so under P = Q it is negative about half the time (no square root can be
/// taken); for a non-negative table entry use [`mmd_median_biased`].
pub fn mmd_median(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    let bw = median_bandwidth(a, b)?;
    mmd2(
        a,
        b,
        &Kernel::Rbf {
            bandwidths: vec![bw],
        },
    )
}

/// MMD_b = sqrt(max(MMD²_b, 0)) with the biased V-statistic MMD²_b and the kernel of
/// [`mmd_median`] (λ = [`median_bandwidth`]): a non-negative number on the scale of a
/// distance, 0 exactly for identical samples, and biased upward by about
/// sqrt((1 − E k(X, X'))/n + (1 − E k(Y, Y'))/m) under P = Q (module docs), so
/// compare it with its noise floor. [`mmd_median`] returns the unbiased MMD²_u
/// instead (mean-zero under P = Q, can be negative, squared scale). The max with 0
/// only removes rounding (MMD²_b ≥ 0 exactly in arithmetic). Errors as
/// [`median_bandwidth`] and [`mmd2_biased`].
pub fn mmd_median_biased(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    let bw = median_bandwidth(a, b)?;
    let v = mmd2_biased(
        a,
        b,
        &Kernel::Rbf {
            bandwidths: vec![bw],
        },
    )?;
    Ok(v.max(0.0).sqrt())
}

/// ZOD-MC's metric (`utils/mmd.py`): the V-statistic with
/// Σ_{b ∈ {2^-2, …, 2^7}} exp(−½ d²/b), i.e. [`Kernel::Rbf`] with σ = √b.
pub fn mmd_zodmc(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    let bandwidths = (0..10).map(|l| 2f64.powf((l as f64 - 2.0) / 2.0)).collect();
    mmd2_biased(a, b, &Kernel::Rbf { bandwidths })
}

/// gfn-diffusion's "RBF_MMD" (`sample_metrics.py::mix_rbf_mmd2`, `biased=True`): the
/// V-statistic with σ ∈ {0.01, 0.1, 1, 10, 100}.
pub fn mmd_gfn_diffusion(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    mmd2_biased(
        a,
        b,
        &Kernel::Rbf {
            bandwidths: vec![0.01, 0.1, 1.0, 10.0, 100.0],
        },
    )
}

/// The number Beyond ELBOs reports as MMD (`mmd_median.py`, adapted from mmdfuse),
/// reproduced with its quirks:
/// - λ = median of the pooled distances over i ≤ j, i.e. *including* the n + m zero
///   diagonal distances (`triu_indices` with the diagonal), mean of the middle pair;
/// - k = exp(−d²/(2λ²));
/// - value = ΣK_XX/(n(n−1)) + ΣK_YY/(m(m−1)) − 2 mean K_XY with the diagonals *kept*
///   in the sums (so it exceeds the U-statistic by 1/(n−1) + 1/(m−1)), and the
///   code's n and m swapped in those denominators (immaterial for n = m);
/// - reported as sqrt(max(value, 1e-20)).
///
/// Requires n, m ≥ 2.
pub fn mmd_beyond_elbos(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    check_pair(a, b, 2)?;
    let lambda = median(pooled_distances(a, b, true));
    if lambda.is_nan() || lambda <= 0.0 {
        return Err(MetricError::invalid(
            "a, b",
            "median pairwise distance is 0 (too many coincident points)",
        ));
    }
    let coef = [-0.5 / (lambda * lambda)];
    let (n, m) = (a.len() as f64, b.len() as f64);
    // Their X is the first argument with m = X.shape[0]; K_XX is divided by n(n−1)
    // with n = Y.shape[0].
    let kxx = (kernel_sum(a, a, &coef, true) + n) / (m * (m - 1.0));
    let kyy = (kernel_sum(b, b, &coef, true) + m) / (n * (n - 1.0));
    let kxy = kernel_sum(a, b, &coef, false) / (n * m);
    Ok((kxx + kyy - 2.0 * kxy).max(1e-20).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    fn gaussian(n: usize, d: usize, shift: f64, seed: u64) -> Particles {
        let mut r = rng::stream(seed, 0);
        let mut p = Particles::zeros(n, d);
        rng::fill_standard_normal(&mut r, p.as_mut_slice());
        p.as_mut_slice().iter_mut().for_each(|x| *x += shift);
        p
    }

    #[test]
    fn v_statistic_is_zero_for_identical_samples() {
        let a = gaussian(100, 3, 0.0, 1);
        for k in [
            Kernel::Rbf {
                bandwidths: vec![0.5, 2.0],
            },
            Kernel::Rbf {
                bandwidths: vec![1.0],
            },
        ] {
            assert!(mmd2_biased(&a, &a, &k).unwrap().abs() < 1e-13);
        }
        assert!(mmd_zodmc(&a, &a).unwrap().abs() < 1e-12);
        assert!(mmd_gfn_diffusion(&a, &a).unwrap().abs() < 1e-12);
        // The U-statistic of identical samples is −(mean off-diagonal kernel)·2/n ≠ 0;
        // check its exact value: 2 S/(n(n−1)) − 2 (S + nL)/n² with S the off-diagonal sum.
        let k = Kernel::Rbf {
            bandwidths: vec![1.0],
        };
        let s = kernel_sum(&a, &a, &k.coefficients(), true);
        let n = 100.0;
        let want = 2.0 * s / (n * (n - 1.0)) - 2.0 * (s + n) / (n * n);
        assert!((mmd2(&a, &a, &k).unwrap() - want).abs() < 1e-13);
    }

    #[test]
    fn two_single_points_closed_form() {
        // V-statistic with n = m = 1: k(x,x) + k(y,y) − 2k(x,y) = 2L − 2 Σ_l e^{−d²/(2σ_l²)}.
        let x = Particles::from_rows(&[vec![0.0, 0.0]]).unwrap();
        let y = Particles::from_rows(&[vec![3.0, 4.0]]).unwrap(); // d² = 25
        let k = Kernel::Rbf {
            bandwidths: vec![1.0, 5.0],
        };
        let want = 4.0 - 2.0 * ((-12.5f64).exp() + (-0.5f64).exp());
        assert!((mmd2_biased(&x, &y, &k).unwrap() - want).abs() < 1e-15);
        // The U-statistic needs two points per sample.
        assert!(mmd2(&x, &y, &k).unwrap_err().to_string().contains("`a`"));
    }

    #[test]
    fn zodmc_kernel_is_the_variance_parametrization() {
        // Independent naive evaluation of ZOD-MC's formula: means over all pairs of
        // Σ_b exp(−0.5 d²/b), b = 2^-2..2^7.
        let a = gaussian(40, 2, 0.0, 2);
        let b = gaussian(30, 2, 1.0, 3);
        let bs: Vec<f64> = (-2..8).map(|e| 2f64.powi(e)).collect();
        let mean_k = |x: &Particles, y: &Particles| {
            let mut s = 0.0;
            for xi in x.rows() {
                for yj in y.rows() {
                    let d2 = sq_dist(xi, yj);
                    s += bs.iter().map(|bb| (-0.5 * d2 / bb).exp()).sum::<f64>();
                }
            }
            s / (x.len() * y.len()) as f64
        };
        let want = mean_k(&a, &a) + mean_k(&b, &b) - 2.0 * mean_k(&a, &b);
        assert!((mmd_zodmc(&a, &b).unwrap() - want).abs() < 1e-12);
    }

    #[test]
    fn unbiased_estimator_has_mean_zero_under_the_null_and_detects_shifts() {
        // 200 replicates of n = m = 60 from N(0, I_2): the mean of MMD²_u is 0 exactly
        // (unbiasedness); accept |mean| < 4 replicate SE.
        let k = Kernel::Rbf {
            bandwidths: vec![1.0],
        };
        let vals: Vec<f64> = (0..200u64)
            .map(|r| {
                let a = gaussian(60, 2, 0.0, 1000 + 2 * r);
                let b = gaussian(60, 2, 0.0, 1001 + 2 * r);
                mmd2(&a, &b, &k).unwrap()
            })
            .collect();
        let r = vals.len() as f64;
        let mean = vals.iter().sum::<f64>() / r;
        let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
        assert!(mean.abs() < 4.0 * sd / r.sqrt(), "mean {mean}, sd {sd}");
        // The V-statistic is biased upward: positive on every null replicate here.
        let vb: Vec<f64> = (0..50u64)
            .map(|r| {
                let a = gaussian(60, 2, 0.0, 1000 + 2 * r);
                let b = gaussian(60, 2, 0.0, 1001 + 2 * r);
                mmd2_biased(&a, &b, &k).unwrap()
            })
            .collect();
        assert!(vb.iter().all(|v| *v > 0.0));
        // Shifted by 1 in each coordinate: population MMD² for N(0,I) vs N(μ,I),
        // σ = 1 in d = 2 is 2 (1/3)(1 − e^{−|μ|²/6}) = 0.18 (Gaussian convolution
        // identity E e^{−|X−Y|²/2} = (1 + 2)^{−d/2} e^{−|μ|²/(2·3)}); well above 0.
        let a = gaussian(300, 2, 0.0, 7);
        let b = gaussian(300, 2, 1.0, 8);
        let v = mmd2(&a, &b, &k).unwrap();
        let pop = 2.0 / 3.0 * (1.0 - (-2.0f64 / 6.0).exp());
        assert!((v - pop).abs() < 0.05, "{v} vs {pop}");
        assert!(mmd_median(&a, &b).unwrap() > 0.05);
        assert!(mmd_zodmc(&a, &b).unwrap() > 0.1);
    }

    #[test]
    fn median_bandwidth_and_beyond_elbos_by_hand() {
        // Pooled points 0, 1, 3 on a line (a = {0, 1}, b = {3}): distances i < j are
        // {1, 3, 2}: median 2. With the diagonal: {0,0,0,1,3,2}: median (0+1)/2 = 0.5.
        let a = Particles::from_vec(2, 1, vec![0.0, 1.0]).unwrap();
        let b = Particles::from_vec(1, 1, vec![3.0]).unwrap();
        assert_eq!(median_bandwidth(&a, &b).unwrap(), 2.0);
        assert_eq!(median(pooled_distances(&a, &b, true)), 0.5);
        // Beyond ELBOs value for a = {0, 1}, b = {3, 5}: pooled distances with the
        // diagonal: 4 zeros and {1, 3, 5, 2, 4, 2}: sorted 0,0,0,0,1,2,2,3,4,5 → λ = 1.5.
        let b = Particles::from_vec(2, 1, vec![3.0, 5.0]).unwrap();
        let k = |d: f64| (-d * d / (2.0 * 1.5 * 1.5)).exp();
        let kxx = (2.0 + 2.0 * k(1.0)) / 2.0;
        let kyy = (2.0 + 2.0 * k(2.0)) / 2.0;
        let kxy = (k(3.0) + k(5.0) + k(2.0) + k(4.0)) / 4.0;
        let want = (kxx + kyy - 2.0 * kxy).sqrt();
        assert!((mmd_beyond_elbos(&a, &b).unwrap() - want).abs() < 1e-14);
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let a = gaussian(500, 3, 0.0, 20);
        let b = gaussian(400, 3, 0.3, 21);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| mmd_zodmc(&a, &b).unwrap());
        let pool3 = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let three = pool3.install(|| mmd_zodmc(&a, &b).unwrap());
        assert_eq!(one.to_bits(), three.to_bits());
    }

    #[test]
    fn errors_name_the_field() {
        let a = gaussian(5, 2, 0.0, 1);
        let b = gaussian(5, 3, 0.0, 2);
        let k = Kernel::Rbf {
            bandwidths: vec![1.0],
        };
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(e(mmd2(&a, &b, &k)).contains("`a` and `b`"));
        let bad = Kernel::Rbf {
            bandwidths: vec![1.0, 0.0],
        };
        assert!(e(mmd2(&a, &a, &bad)).contains("kernel.bandwidths"));
        let none = Kernel::Rbf { bandwidths: vec![] };
        assert!(e(mmd2(&a, &a, &none)).contains("kernel.bandwidths"));
        let same = Particles::repeat(&[1.0, 1.0], 4);
        assert!(e(median_bandwidth(&same, &same)).contains("median"));
        let mut nan = a.clone();
        nan.row_mut(2)[0] = f64::INFINITY;
        assert!(e(mmd_zodmc(&a, &nan)).contains("`b`"));
    }

    fn repeat_rows(p: &Particles, k: &[usize]) -> Particles {
        let mut rows = Vec::new();
        for (i, &c) in k.iter().enumerate() {
            for _ in 0..c {
                rows.push(p.row(i).to_vec());
            }
        }
        Particles::from_rows(&rows).unwrap()
    }

    #[test]
    fn weighted_reduces_to_unweighted_and_to_repeated_points() {
        let a = gaussian(40, 2, 0.0, 30);
        let b = gaussian(30, 2, 0.0, 31);
        let k = Kernel::Rbf {
            bandwidths: vec![0.7, 2.0],
        };
        for est in [Estimator::Biased, Estimator::Unbiased] {
            let want = mmd2_with(&a, &b, &k, est).unwrap();
            let got = mmd2_weighted(&a, Some(&[0.3; 40]), &b, Some(&[7.0; 30]), &k, est).unwrap();
            assert!((got - want).abs() < 1e-12, "{est:?}: {got} vs {want}");
            let got = mmd2_weighted(&a, None, &b, None, &k, est).unwrap();
            assert!((got - want).abs() < 1e-12, "{est:?}: {got} vs {want}");
        }
        // Integer weights = repeated points, for the V-statistic.
        let counts: Vec<usize> = (0..40).map(|i| 1 + i % 3).collect();
        let kw: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let rep = repeat_rows(&a, &counts);
        let got = mmd2_weighted(&a, Some(&kw), &b, None, &k, Estimator::Biased).unwrap();
        let want = mmd2_biased(&rep, &b, &k).unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        // Identical weighted samples: V = 0.
        let v = mmd2_weighted(&a, Some(&kw), &a, Some(&kw), &k, Estimator::Biased).unwrap();
        assert!(v.abs() < 1e-13, "{v}");
    }

    /// Fixed (non-random) weights 1..=3 on n = m = 40 iid N(0, I_2) points, 300 null
    /// replicates: the weighted U-statistic has mean 0 (module docs), so its replicate
    /// mean is within 4 SE of 0; the weighted V-statistic is positive on every one.
    #[test]
    fn weighted_u_statistic_is_unbiased_for_fixed_weights() {
        let k = Kernel::Rbf {
            bandwidths: vec![1.0],
        };
        let w: Vec<f64> = (0..40).map(|i| 1.0 + (i % 3) as f64).collect();
        let (mut us, mut all_v_positive) = (Vec::new(), true);
        for r in 0..300u64 {
            let a = gaussian(40, 2, 0.0, 5000 + 2 * r);
            let b = gaussian(40, 2, 0.0, 5001 + 2 * r);
            us.push(mmd2_weighted(&a, Some(&w), &b, Some(&w), &k, Estimator::Unbiased).unwrap());
            let v = mmd2_weighted(&a, Some(&w), &b, Some(&w), &k, Estimator::Biased).unwrap();
            all_v_positive &= v > 0.0;
        }
        let r = us.len() as f64;
        let mean = us.iter().sum::<f64>() / r;
        let sd = (us.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
        assert!(mean.abs() < 4.0 * sd / r.sqrt(), "mean {mean}, sd {sd}");
        assert!(all_v_positive);
        // One point holding all the mass: no pairs for the U-statistic.
        let a = gaussian(5, 2, 0.0, 1);
        let one = [0.0, 0.0, 1.0, 0.0, 0.0];
        let e = mmd2_weighted(&a, Some(&one), &a, None, &k, Estimator::Unbiased).unwrap_err();
        assert!(e.to_string().contains("`wa`"), "{e}");
    }

    #[test]
    fn median_biased_is_the_root_of_the_v_statistic() {
        let a = gaussian(200, 2, 0.0, 40);
        let b = gaussian(150, 2, 0.0, 41);
        let bw = median_bandwidth(&a, &b).unwrap();
        let v = mmd2_biased(
            &a,
            &b,
            &Kernel::Rbf {
                bandwidths: vec![bw],
            },
        )
        .unwrap();
        assert_eq!(mmd_median_biased(&a, &b).unwrap(), v.sqrt());
        assert_eq!(mmd_median_biased(&a, &a).unwrap(), 0.0);
        // Under P = Q the unbiased value can be negative, the biased root cannot.
        let negatives = (0..40u64)
            .filter(|r| {
                let x = gaussian(50, 2, 0.0, 300 + 2 * r);
                let y = gaussian(50, 2, 0.0, 301 + 2 * r);
                assert!(mmd_median_biased(&x, &y).unwrap() >= 0.0);
                mmd_median(&x, &y).unwrap() < 0.0
            })
            .count();
        // P(U < 0) is about ½ under the null: 0 negatives of 40 has probability ~1e-12.
        assert!(negatives > 0);
    }
}
