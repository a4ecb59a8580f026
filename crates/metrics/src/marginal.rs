//! One-dimensional marginals: exact W2 and the two-sample Kolmogorov–Smirnov
//! statistic per coordinate, for weighted or uniform samples of any sizes.
//!
//! For coordinate j, let α = Σ_i a_i δ_{x_i} and β = Σ_k b_k δ_{y_k} be the weighted
//! empirical marginals (weights normalized, [`crate::weights`]), with distribution
//! functions F(t) = Σ_{x_i ≤ t} a_i, G(t) = Σ_{y_k ≤ t} b_k and quantile functions
//! F^{-1}(u) = inf{t : F(t) ≥ u}.
//!
//! - **W2.** In one dimension the monotone (quantile) coupling is optimal for any
//!   convex cost (e.g. Villani 2003, Thm 2.18; Peyré & Cuturi 2019, Remark 2.30), so
//!
//!   W2²(α, β) = ∫_0^1 (F^{-1}(u) − G^{-1}(u))² du.
//!
//!   Both quantile functions are step functions: F^{-1}(u) = x_(i) on
//!   (A_{i−1}, A_i], A_i the cumulative weights of the sorted support; the integral is
//!   the exact sum over the merged breakpoints {A_i} ∪ {B_k} of interval length ×
//!   squared difference. For uniform weights the breakpoints i/n and k/m are walked in
//!   integer units of 1/(nm) ([`crate::sliced::w2_sq_sorted_1d`]; for n = m, sort
//!   and pair). O((n + m) log(n + m)).
//! - **KS.** D(α, β) = sup_t |F(t) − G(t)|. F − G is constant between consecutive
//!   distinct values of the merged support and right-continuous, so the supremum is
//!   attained at a support point, evaluated after *all* points equal to it (from
//!   both samples) are counted: ties are handled exactly. For uniform weights
//!   D = max |i m − k n| / (n m) in integer arithmetic. D = 0 for identical samples,
//!   1 for samples with disjoint ranges. This is the statistic of SciPy's
//!   `ks_2samp` (no p-value is computed here: the asymptotic Kolmogorov law does not
//!   hold for weighted or MCMC samples).
//!
//! Inputs: two [`Particles`] of equal dimension, each with at least one point and
//! finite entries, and optional weights (see [`crate::weights`]); errors name `a`,
//! `wa`, `b`, `wb` (or `x`, `wx`, `y`, `wy` for the 1-D functions).

use crate::MetricError;
use crate::sliced::{check_pair, w2_sq_sorted_1d};
use crate::weights::check_weights;
use sampo_core::Particles;

/// A 1-D sample sorted by value with its (unnormalized, non-negative) weights, and
/// the cumulative distribution at each sorted point: `cdf[i] = S_i / S_n` with S_i the
/// running sum of the sorted weights. Running sums of non-negative numbers are
/// non-decreasing in floating point and S_n / S_n = 1 exactly, so `cdf` is
/// non-decreasing and ends at exactly 1.
pub(crate) struct SortedWeighted {
    pub(crate) values: Vec<f64>,
    pub(crate) cdf: Vec<f64>,
}

impl SortedWeighted {
    /// Sorts `x` with its weights `w`. `w` must be valid (non-negative, finite,
    /// positive sum, same length).
    pub(crate) fn new(x: &[f64], w: &[f64]) -> Self {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_unstable_by(|&i, &j| x[i].total_cmp(&x[j]));
        let values: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
        let mut running = 0.0;
        let sums: Vec<f64> = idx
            .iter()
            .map(|&i| {
                running += w[i];
                running
            })
            .collect();
        let total = running;
        SortedWeighted {
            values,
            cdf: sums.into_iter().map(|s| s / total).collect(),
        }
    }
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// ∫_0^1 (F^{-1} − G^{-1})² du over the merged breakpoints of two sorted weighted
/// samples.
pub(crate) fn w2_sq_sorted_weighted(x: &SortedWeighted, y: &SortedWeighted) -> f64 {
    let (n, m) = (x.values.len(), y.values.len());
    let (mut i, mut k) = (0, 0);
    let mut pos = 0.0;
    let mut acc = 0.0;
    // Each step ends at the nearer breakpoint and moves past every breakpoint it
    // reaches, so it terminates; zero-weight points give zero-length steps.
    while i < n && k < m {
        let end = x.cdf[i].min(y.cdf[k]);
        let d = x.values[i] - y.values[k];
        acc += (end - pos) * d * d;
        pos = end;
        if x.cdf[i] <= end {
            i += 1;
        }
        if y.cdf[k] <= end {
            k += 1;
        }
    }
    acc
}

/// sup_t |F(t) − G(t)| of two sorted weighted samples (ties: all equal values of
/// both samples are counted before comparing).
fn ks_sorted_weighted(x: &SortedWeighted, y: &SortedWeighted) -> f64 {
    let (n, m) = (x.values.len(), y.values.len());
    let (mut i, mut k) = (0, 0);
    let mut d: f64 = 0.0;
    while i < n || k < m {
        let t = match (x.values.get(i), y.values.get(k)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => unreachable!(),
        };
        while i < n && x.values[i] <= t {
            i += 1;
        }
        while k < m && y.values[k] <= t {
            k += 1;
        }
        let f = if i == 0 { 0.0 } else { x.cdf[i - 1] };
        let g = if k == 0 { 0.0 } else { y.cdf[k - 1] };
        d = d.max((f - g).abs());
    }
    d
}

/// The uniform-weight KS statistic of sorted samples: max |i m − k n| / (n m).
fn ks_sorted_uniform(x: &[f64], y: &[f64]) -> f64 {
    let (n, m) = (x.len(), y.len());
    let (mut i, mut k) = (0, 0);
    let mut best: u128 = 0;
    while i < n || k < m {
        let t = match (x.get(i), y.get(k)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => unreachable!(),
        };
        while i < n && x[i] <= t {
            i += 1;
        }
        while k < m && y[k] <= t {
            k += 1;
        }
        let (im, kn) = (i as u128 * m as u128, k as u128 * n as u128);
        best = best.max(im.abs_diff(kn));
    }
    best as f64 / (n as f64 * m as f64)
}

fn check_1d(name: &str, x: &[f64]) -> Result<(), MetricError> {
    if x.is_empty() {
        return Err(MetricError::invalid(name, "empty"));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!("entry {i} is not finite ({})", x[i]),
        ));
    }
    Ok(())
}

/// The two samples of one coordinate as measures, sorted (uniform weights keep their
/// integer breakpoints: `None`).
enum Pair {
    Uniform(Vec<f64>, Vec<f64>),
    Weighted(SortedWeighted, SortedWeighted),
}

fn pair(x: &[f64], wx: Option<&[f64]>, y: &[f64], wy: Option<&[f64]>) -> Pair {
    match (wx, wy) {
        (None, None) => Pair::Uniform(sorted(x), sorted(y)),
        _ => {
            let ux = vec![1.0; x.len()];
            let uy = vec![1.0; y.len()];
            Pair::Weighted(
                SortedWeighted::new(x, wx.unwrap_or(&ux)),
                SortedWeighted::new(y, wy.unwrap_or(&uy)),
            )
        }
    }
}

fn w2_sq_pair(p: &Pair) -> f64 {
    match p {
        Pair::Uniform(x, y) => w2_sq_sorted_1d(x, y),
        Pair::Weighted(x, y) => w2_sq_sorted_weighted(x, y),
    }
}

fn ks_pair(p: &Pair) -> f64 {
    match p {
        Pair::Uniform(x, y) => ks_sorted_uniform(x, y),
        Pair::Weighted(x, y) => ks_sorted_weighted(x, y),
    }
}

fn check_1d_pair(
    x: &[f64],
    wx: Option<&[f64]>,
    y: &[f64],
    wy: Option<&[f64]>,
) -> Result<(), MetricError> {
    check_1d("x", x)?;
    check_1d("y", y)?;
    check_weights(wx, x.len(), "wx")?;
    check_weights(wy, y.len(), "wy")
}

/// Exact W2² between the 1-D weighted empirical measures of `x` and `y` (module
/// docs); `None` weights are uniform. Errors name `x`, `y` (empty, non-finite) or
/// `wx`, `wy` ([`crate::weights::normalize_weights`]).
pub fn w2_sq_1d(
    x: &[f64],
    wx: Option<&[f64]>,
    y: &[f64],
    wy: Option<&[f64]>,
) -> Result<f64, MetricError> {
    check_1d_pair(x, wx, y, wy)?;
    Ok(w2_sq_pair(&pair(x, wx, y, wy)))
}

/// Exact W2 = sqrt([`w2_sq_1d`]).
pub fn w2_1d(
    x: &[f64],
    wx: Option<&[f64]>,
    y: &[f64],
    wy: Option<&[f64]>,
) -> Result<f64, MetricError> {
    Ok(w2_sq_1d(x, wx, y, wy)?.max(0.0).sqrt())
}

/// Two-sample KS statistic sup_t |F(t) − G(t)| of weighted 1-D samples (module docs);
/// errors as [`w2_sq_1d`].
pub fn ks_1d(
    x: &[f64],
    wx: Option<&[f64]>,
    y: &[f64],
    wy: Option<&[f64]>,
) -> Result<f64, MetricError> {
    check_1d_pair(x, wx, y, wy)?;
    Ok(ks_pair(&pair(x, wx, y, wy)))
}

fn per_coordinate(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
    f: fn(&Pair) -> f64,
) -> Result<Vec<f64>, MetricError> {
    check_pair(a, b, 1)?;
    check_weights(wa, a.len(), "wa")?;
    check_weights(wb, b.len(), "wb")?;
    Ok((0..a.dim())
        .map(|j| f(&pair(&a.column(j), wa, &b.column(j), wb)))
        .collect())
}

/// Exact 1-D W2 of every coordinate's marginals, [W2(α_j, β_j)]_{j<d} (module docs).
/// Errors name `a`, `b` (empty, non-finite, dimension mismatch) or `wa`, `wb`.
pub fn marginal_w2(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<Vec<f64>, MetricError> {
    Ok(per_coordinate(a, wa, b, wb, w2_sq_pair)?
        .into_iter()
        .map(|v| v.max(0.0).sqrt())
        .collect())
}

/// Two-sample KS statistic of every coordinate's marginals (module docs); errors as
/// [`marginal_w2`].
pub fn marginal_ks(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<Vec<f64>, MetricError> {
    per_coordinate(a, wa, b, wb, ks_pair)
}

/// max_j of [`marginal_w2`].
pub fn max_marginal_w2(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<f64, MetricError> {
    Ok(max_of(&marginal_w2(a, wa, b, wb)?))
}

/// max_j of [`marginal_ks`].
pub fn max_marginal_ks(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
) -> Result<f64, MetricError> {
    Ok(max_of(&marginal_ks(a, wa, b, wb)?))
}

fn max_of(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sampo_core::rng;

    /// Independent quantile integral: the breakpoints of both CDFs (computed from
    /// normalized weights by plain summation), each interval evaluated at its
    /// midpoint by searching the quantile function F^{-1}(u) = min{x : F(x) ≥ u}.
    fn brute_w2_sq(x: &[f64], wx: &[f64], y: &[f64], wy: &[f64]) -> f64 {
        fn cdf_points(x: &[f64], w: &[f64]) -> Vec<(f64, f64)> {
            let s: f64 = w.iter().sum();
            let mut pts: Vec<(f64, f64)> = x.iter().zip(w).map(|(a, b)| (*a, b / s)).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut c = 0.0;
            pts.iter()
                .map(|&(v, p)| {
                    c += p;
                    (v, c)
                })
                .collect()
        }
        fn quantile(pts: &[(f64, f64)], u: f64) -> f64 {
            pts.iter()
                .find(|(_, c)| *c >= u)
                .map_or(pts[pts.len() - 1].0, |p| p.0)
        }
        let (px, py) = (cdf_points(x, wx), cdf_points(y, wy));
        let mut bp: Vec<f64> = px.iter().chain(&py).map(|p| p.1.min(1.0)).collect();
        bp.push(0.0);
        bp.sort_by(f64::total_cmp);
        bp.dedup();
        bp.windows(2)
            .map(|w| {
                let u = 0.5 * (w[0] + w[1]);
                (w[1] - w[0]) * (quantile(&px, u) - quantile(&py, u)).powi(2)
            })
            .sum()
    }

    /// sup over all support points t of |F(t) − G(t)| by direct summation.
    fn brute_ks(x: &[f64], wx: &[f64], y: &[f64], wy: &[f64]) -> f64 {
        let cdf = |v: &[f64], w: &[f64], t: f64| {
            let s: f64 = w.iter().sum();
            v.iter()
                .zip(w)
                .filter(|(a, _)| **a <= t)
                .map(|(_, b)| b)
                .sum::<f64>()
                / s
        };
        x.iter()
            .chain(y)
            .map(|&t| (cdf(x, wx, t) - cdf(y, wy, t)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn hand_cases() {
        // x = {0, 1, 3} with weights (1, 1, 2), y = {1, 2} uniform:
        // F^{-1} = 0, 1, 3 on (0, ¼], (¼, ½], (½, 1]; G^{-1} = 1, 2 on (0, ½], (½, 1].
        // W2² = ¼·1 + ¼·0 + ½·1 = ¾. F = ¼, ½, ½, 1 and G = 0, ½, 1, 1 at 0, 1, 2, 3:
        // D = ½.
        let (x, wx, y) = ([3.0, 0.0, 1.0], [2.0, 1.0, 1.0], [2.0, 1.0]);
        let w2 = w2_sq_1d(&x, Some(&wx), &y, None).unwrap();
        assert!((w2 - 0.75).abs() < 1e-15, "{w2}");
        assert_eq!(ks_1d(&x, Some(&wx), &y, None).unwrap(), 0.5);
        // Ties: x = {1, 1, 2}, y = {1, 2, 2}: F(1) = ⅔, G(1) = ⅓, both 1 at 2: D = ⅓.
        // Counting one tied point at a time would report |⅔ − 0| or |1 − ⅓| = ⅔.
        let d = ks_1d(&[1.0, 2.0, 1.0], None, &[2.0, 1.0, 2.0], None).unwrap();
        assert!((d - 1.0 / 3.0).abs() < 1e-15, "{d}");
        let dw = ks_1d(&[1.0, 2.0, 1.0], Some(&[1.0; 3]), &[2.0, 1.0, 2.0], None).unwrap();
        assert!((dw - 1.0 / 3.0).abs() < 1e-15, "{dw}");
        // Unequal sizes, uniform: a = {0, 1, 3}, b = {1, 2}: W2² = 5/6 (sliced.rs).
        let w = w2_sq_1d(&[0.0, 1.0, 3.0], None, &[1.0, 2.0], None).unwrap();
        assert!((w - 5.0 / 6.0).abs() < 1e-15);
        // Translation: W2(x, x + c) = |c| exactly in the quantile coupling.
        let x = [0.3, -1.0, 2.0, 5.5];
        let y: Vec<f64> = x.iter().map(|v| v + 1.5).collect();
        assert!((w2_1d(&x, None, &y, None).unwrap() - 1.5).abs() < 1e-15);
    }

    #[test]
    fn identical_and_disjoint_samples() {
        let mut r = rng::stream(1, 0);
        let x: Vec<f64> = (0..500).map(|_| rng::standard_normal(&mut r)).collect();
        let w: Vec<f64> = (0..500).map(|_| rng::uniform(&mut r)).collect();
        assert_eq!(ks_1d(&x, None, &x, None).unwrap(), 0.0);
        assert_eq!(ks_1d(&x, Some(&w), &x, Some(&w)).unwrap(), 0.0);
        assert_eq!(w2_sq_1d(&x, None, &x, None).unwrap(), 0.0);
        assert_eq!(w2_sq_1d(&x, Some(&w), &x, Some(&w)).unwrap(), 0.0);
        let far: Vec<f64> = x.iter().map(|v| v + 100.0).collect();
        assert_eq!(ks_1d(&x, None, &far[..300], None).unwrap(), 1.0);
        assert_eq!(ks_1d(&x, Some(&w), &far, None).unwrap(), 1.0);
    }

    #[test]
    fn integer_weights_equal_repeated_points_and_equal_weights_equal_none() {
        let x = [0.5, -2.0, 1.0, 4.0];
        let k = [2usize, 1, 3, 1];
        let rep: Vec<f64> = x
            .iter()
            .zip(&k)
            .flat_map(|(v, &c)| std::iter::repeat_n(*v, c))
            .collect();
        let kw: Vec<f64> = k.iter().map(|&c| c as f64).collect();
        let y = [0.0, 0.1, 3.0, -1.0, 2.2];
        let a = w2_sq_1d(&x, Some(&kw), &y, None).unwrap();
        let b = w2_sq_1d(&rep, None, &y, None).unwrap();
        assert!((a - b).abs() < 1e-12 * b, "{a} vs {b}");
        let a = ks_1d(&x, Some(&kw), &y, None).unwrap();
        let b = ks_1d(&rep, None, &y, None).unwrap();
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // (w, …, w) against None, on unequal sizes.
        let w = [0.37; 4];
        let a = w2_sq_1d(&x, Some(&w), &y, Some(&[9.0; 5])).unwrap();
        let b = w2_sq_1d(&x, None, &y, None).unwrap();
        assert!((a - b).abs() < 1e-12 * b, "{a} vs {b}");
        let a = ks_1d(&x, Some(&w), &y, Some(&[9.0; 5])).unwrap();
        let b = ks_1d(&x, None, &y, None).unwrap();
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // Zero-weight points are ignored.
        let a = w2_sq_1d(&[1.0, 50.0, 2.0], Some(&[1.0, 0.0, 1.0]), &y, None).unwrap();
        let b = w2_sq_1d(&[1.0, 2.0], None, &y, None).unwrap();
        assert!((a - b).abs() < 1e-12 * b);
    }

    /// N(0, 1) against N(μ, s²): W2² = μ² + (1 − s)² (Gaussian quantile functions
    /// differ by μ + (s − 1)Φ^{-1}(u)). μ = 1, s = 2: W2² = 2. The single-sample
    /// estimator at n = 20000 fluctuates mainly through 2μ(x̄ − ȳ) (sd
    /// 2·sqrt((1 + s²)/n) ≈ 0.032) and is biased upward by the two empirical
    /// W2²(μ_n, μ) = O(log log n / n) ≈ 1e-4·(1 + s²) (Bobkov & Ledoux 2019, §6),
    /// well below it. 20 replicates: the mean must be within 4 replicate standard
    /// errors of 2.
    #[test]
    fn gaussian_closed_form() {
        let (mu, s, n, reps) = (1.0, 2.0, 20_000, 20);
        let truth = mu * mu + (1.0f64 - s).powi(2);
        let vals: Vec<f64> = (0..reps)
            .map(|r| {
                let mut g = rng::stream(40 + r, 0);
                let x: Vec<f64> = (0..n).map(|_| rng::standard_normal(&mut g)).collect();
                let y: Vec<f64> = (0..n)
                    .map(|_| mu + s * rng::standard_normal(&mut g))
                    .collect();
                w2_sq_1d(&x, None, &y, None).unwrap()
            })
            .collect();
        let r = reps as f64;
        let mean = vals.iter().sum::<f64>() / r;
        let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
        assert!(
            (mean - truth).abs() < 4.0 * sd / r.sqrt(),
            "mean {mean} vs {truth} (sd {sd})"
        );
        // The sd is of the predicted size (within a factor 2; the mean term alone gives
        // 0.032, the quantile terms add to it: 0.044 measured with these seeds).
        let predicted = 2.0 * mu * ((1.0 + s * s) / n as f64).sqrt();
        assert!(sd > 0.5 * predicted && sd < 2.0 * predicted, "sd {sd}");
    }

    #[test]
    fn per_coordinate_and_max() {
        // Coordinate 1 shifted by 2, coordinate 0 identical.
        let a = Particles::from_rows(&[vec![0.0, 0.0], vec![1.0, 1.0], vec![2.0, 5.0]]).unwrap();
        let b = Particles::from_rows(&[vec![2.0, 7.0], vec![0.0, 2.0], vec![1.0, 3.0]]).unwrap();
        let w = marginal_w2(&a, None, &b, None).unwrap();
        assert_eq!(w[0], 0.0);
        assert!((w[1] - 2.0).abs() < 1e-15);
        assert!((max_marginal_w2(&a, None, &b, None).unwrap() - 2.0).abs() < 1e-15);
        let k = marginal_ks(&a, None, &b, None).unwrap();
        // Coordinate 1: F jumps at 0, 1, 5; G at 2, 3, 7: F − G = ⅔ on [1, 2).
        assert_eq!(k[0], 0.0);
        assert!((k[1] - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(max_marginal_ks(&a, None, &b, None).unwrap(), k[1]);
        let wa = [1.0, 1.0, 1.0];
        assert_eq!(marginal_ks(&a, Some(&wa), &b, None).unwrap()[1], k[1]);
    }

    #[test]
    fn errors_name_the_argument() {
        let a = Particles::from_rows(&[vec![0.0, 0.0], vec![1.0, 1.0]]).unwrap();
        let b = Particles::from_rows(&[vec![0.0], vec![1.0]]).unwrap();
        let e = |r: Result<Vec<f64>, MetricError>| r.unwrap_err().to_string();
        assert!(e(marginal_w2(&a, None, &b, None)).contains("`a` and `b`"));
        assert!(e(marginal_ks(&a, Some(&[1.0]), &a, None)).contains("`wa`"));
        assert!(e(marginal_ks(&a, None, &a, Some(&[1.0, -1.0]))).contains("`wb`"));
        assert!(e(marginal_w2(&Particles::zeros(0, 2), None, &a, None)).contains("`a`"));
        let f = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(f(w2_1d(&[], None, &[1.0], None)).contains("`x`"));
        assert!(f(ks_1d(&[1.0], None, &[f64::NAN], None)).contains("`y`"));
        assert!(f(ks_1d(&[1.0], Some(&[0.0]), &[1.0], None)).contains("`wx`"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_brute_force(
            x in prop::collection::vec(-5i32..5, 1..12),
            y in prop::collection::vec(-5i32..5, 1..9),
            wx in prop::collection::vec(0u8..5, 12),
            wy in prop::collection::vec(1u8..5, 9),
        ) {
            // Integer-valued points give ties; some x weights are zero.
            let x: Vec<f64> = x.iter().map(|&v| v as f64 * 0.5).collect();
            let y: Vec<f64> = y.iter().map(|&v| v as f64 * 0.7).collect();
            let mut wx: Vec<f64> = wx[..x.len()].iter().map(|&v| v as f64).collect();
            wx[0] += 1.0;
            let wy: Vec<f64> = wy[..y.len()].iter().map(|&v| v as f64).collect();
            let got = w2_sq_1d(&x, Some(&wx), &y, Some(&wy)).unwrap();
            let want = brute_w2_sq(&x, &wx, &y, &wy);
            prop_assert!((got - want).abs() < 1e-12 * (1.0 + want), "{} vs {}", got, want);
            let got = ks_1d(&x, Some(&wx), &y, Some(&wy)).unwrap();
            let want = brute_ks(&x, &wx, &y, &wy);
            prop_assert!((got - want).abs() < 1e-12, "{} vs {}", got, want);
            // Uniform path against the same brute force.
            let (ux, uy) = (vec![1.0; x.len()], vec![1.0; y.len()]);
            let got = w2_sq_1d(&x, None, &y, None).unwrap();
            prop_assert!((got - brute_w2_sq(&x, &ux, &y, &uy)).abs() < 1e-12 * (1.0 + got));
            let got = ks_1d(&x, None, &y, None).unwrap();
            prop_assert!((got - brute_ks(&x, &ux, &y, &uy)).abs() < 1e-12);
            // Symmetry and range.
            prop_assert_eq!(got, ks_1d(&y, None, &x, None).unwrap());
            prop_assert!((0.0..=1.0).contains(&got));
        }
    }
}
