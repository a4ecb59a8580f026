//! Sliced W2 (Rabin, Peyré, Delon & Bernot 2011; Bonneel et al. 2015):
//!
//! SW2²(μ, ν) = ∫_{S^{d−1}} W2²(θ#μ, θ#ν) dσ(θ),
//!
//! with θ#μ the law of ⟨θ, X⟩ and σ the uniform measure on the unit sphere,
//! estimated by Monte Carlo over K directions θ_k (drawn as normalized N(0, I_d)
//! vectors from `sampo_core::rng::stream(seed, k)`, so direction k does not depend
//! on K or on the thread count). Each 1-D term is exact: sorted projections give the
//! quantile functions, and W2²(α, β) = ∫_0^1 (F_α^{-1}(u) − F_β^{-1}(u))² du is
//! integrated exactly over the merged breakpoints {i/n} ∪ {j/m}, so unequal sample
//! sizes are handled (for n = m it is the mean squared difference of the sorted
//! projections). Cost O(K (n + m)(d + log(n + m))). This is POT's
//! `sliced_wasserstein_distance(p = 2)`; it is not comparable to the full W2.
//!
//! For a pure translation ν = μ(· − c), every projection is shifted by ⟨θ, c⟩, so the
//! estimate is exactly (1/K) Σ_k ⟨θ_k, c⟩², whose expectation is |c|²/d
//! (E⟨θ, u⟩² = 1/d for a unit u by symmetry, Σ_j θ_j² = 1).
//!
//! Weighted samples: [`sliced_w2_weighted`] (weights as in [`crate::weights`]).
//!
//! [`fast_sliced_w2`] is the Monte-Carlo-free Gaussian approximation of Nadjahi,
//! Durmus, Jacob, Badeau & Şimşekli (NeurIPS 2021) used by SLIPS for its two-modes
//! benchmark.

use crate::MetricError;
use crate::marginal::{SortedWeighted, w2_sq_sorted_weighted};
use crate::weights::check_weights;
use rayon::prelude::*;
use sampo_core::{Particles, rng};

/// Checks one sample: at least `min_n` particles, d ≥ 1, finite entries.
pub(crate) fn check_sample(name: &str, p: &Particles, min_n: usize) -> Result<(), MetricError> {
    if p.len() < min_n {
        return Err(MetricError::invalid(
            name,
            format!("need at least {min_n} particles, got {}", p.len()),
        ));
    }
    if p.dim() == 0 {
        return Err(MetricError::invalid(name, "dimension 0"));
    }
    if let Some(i) = p.as_slice().iter().position(|x| !x.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!(
                "particle {} coordinate {} is not finite ({})",
                i / p.dim(),
                i % p.dim(),
                p.as_slice()[i]
            ),
        ));
    }
    Ok(())
}

/// Checks two samples (each with at least `min_n` particles) and equal dimension.
pub(crate) fn check_pair(a: &Particles, b: &Particles, min_n: usize) -> Result<(), MetricError> {
    check_sample("a", a, min_n)?;
    check_sample("b", b, min_n)?;
    if a.dim() != b.dim() {
        return Err(MetricError::DimensionMismatch {
            what: "samples `a` and `b`".into(),
            left: a.dim(),
            right: b.dim(),
        });
    }
    Ok(())
}

/// Direction k of a run seeded with `seed`: a N(0, I_d) draw from `stream(seed, k)`,
/// normalized (uniform on S^{d−1}). Redrawn in the (probability-zero) event of a
/// vector with norm below 1e-300.
pub fn direction(d: usize, seed: u64, k: u64) -> Vec<f64> {
    let mut r = rng::stream(seed, k);
    let mut v = vec![0.0; d];
    loop {
        rng::fill_standard_normal(&mut r, &mut v);
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-300 {
            v.iter_mut().for_each(|x| *x /= norm);
            return v;
        }
    }
}

/// Exact W2² between two 1-D empirical measures with uniform weights, from their
/// sorted supports: ∫_0^1 (F^{-1}(u) − G^{-1}(u))² du over the merged breakpoints.
pub fn w2_sq_sorted_1d(x: &[f64], y: &[f64]) -> f64 {
    let (n, m) = (x.len(), y.len());
    if n == m {
        return x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
    }
    // Walk the breakpoints i/n and j/m in integer units of 1/(n m): x_i covers
    // (i m, (i+1) m], y_j covers (j n, (j+1) n].
    let (mut i, mut j) = (0usize, 0usize);
    let mut pos = 0usize;
    let mut acc = 0.0;
    let total = n * m;
    while pos < total {
        let end_x = (i + 1) * m;
        let end_y = (j + 1) * n;
        let end = end_x.min(end_y);
        acc += (end - pos) as f64 * (x[i] - y[j]).powi(2);
        pos = end;
        if end == end_x {
            i += 1;
        }
        if end == end_y {
            j += 1;
        }
    }
    acc / total as f64
}

/// ⟨θ, x_i⟩ for every particle.
fn projection(p: &Particles, theta: &[f64]) -> Vec<f64> {
    p.rows()
        .map(|r| r.iter().zip(theta).map(|(x, t)| x * t).sum())
        .collect()
}

fn sorted_projection(p: &Particles, theta: &[f64]) -> Vec<f64> {
    let mut v = projection(p, theta);
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Per-projection W2² values (θ_k from [`direction`], k = 0..n_projections); their
/// mean is [`sliced_w2`]². Useful for a Monte Carlo standard error of the estimate.
pub fn sliced_w2_sq_terms(
    a: &Particles,
    b: &Particles,
    n_projections: usize,
    seed: u64,
) -> Result<Vec<f64>, MetricError> {
    check_pair(a, b, 1)?;
    if n_projections == 0 {
        return Err(MetricError::invalid("n_projections", "must be at least 1"));
    }
    let d = a.dim();
    // Each projection is independent and writes its own slot: the result does not
    // depend on the number of threads.
    Ok((0..n_projections as u64)
        .into_par_iter()
        .map(|k| {
            let theta = direction(d, seed, k);
            w2_sq_sorted_1d(&sorted_projection(a, &theta), &sorted_projection(b, &theta))
        })
        .collect())
}

/// Sliced W2 (the square root of the projection average of 1-D W2²) between the
/// uniform empirical measures of `a` and `b` (sizes may differ), with
/// `n_projections` random directions from `seed` (see the module docs). POT's
/// default, and SLIPS's, is 50 projections; the Monte Carlo relative error of SW2²
/// is about sqrt(Var_θ / K) (see [`sliced_w2_sq_terms`]).
pub fn sliced_w2(
    a: &Particles,
    b: &Particles,
    n_projections: usize,
    seed: u64,
) -> Result<f64, MetricError> {
    let terms = sliced_w2_sq_terms(a, b, n_projections, seed)?;
    Ok((terms.iter().sum::<f64>() / terms.len() as f64).sqrt())
}

/// Per-projection W2² terms between weighted samples Σ w̃_i δ_{a_i} and Σ ṽ_j δ_{b_j}
/// (weights normalized, [`crate::weights`]; `None` = uniform): the same directions as
/// [`sliced_w2_sq_terms`], each 1-D term the exact quantile integral of the weighted
/// projections ([`crate::marginal::w2_sq_1d`]). With both weights `None` it is
/// [`sliced_w2_sq_terms`] itself (bit for bit); with constant weights it agrees to
/// rounding; integer weights equal repeated points. Errors as [`sliced_w2_sq_terms`],
/// and name `wa`, `wb` for invalid weights.
pub fn sliced_w2_sq_terms_weighted(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
    n_projections: usize,
    seed: u64,
) -> Result<Vec<f64>, MetricError> {
    if wa.is_none() && wb.is_none() {
        return sliced_w2_sq_terms(a, b, n_projections, seed);
    }
    check_pair(a, b, 1)?;
    check_weights(wa, a.len(), "wa")?;
    check_weights(wb, b.len(), "wb")?;
    if n_projections == 0 {
        return Err(MetricError::invalid("n_projections", "must be at least 1"));
    }
    let d = a.dim();
    let ones_a = vec![1.0; a.len()];
    let ones_b = vec![1.0; b.len()];
    let (wa, wb) = (wa.unwrap_or(&ones_a), wb.unwrap_or(&ones_b));
    Ok((0..n_projections as u64)
        .into_par_iter()
        .map(|k| {
            let theta = direction(d, seed, k);
            w2_sq_sorted_weighted(
                &SortedWeighted::new(&projection(a, &theta), wa),
                &SortedWeighted::new(&projection(b, &theta), wb),
            )
        })
        .collect())
}

/// Sliced W2 between weighted samples: the square root of the mean of
/// [`sliced_w2_sq_terms_weighted`]; `None` weights are uniform ([`sliced_w2`]).
pub fn sliced_w2_weighted(
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    wb: Option<&[f64]>,
    n_projections: usize,
    seed: u64,
) -> Result<f64, MetricError> {
    let terms = sliced_w2_sq_terms_weighted(a, wa, b, wb, n_projections, seed)?;
    Ok((terms.iter().sum::<f64>() / terms.len() as f64).sqrt())
}

/// The "fast" sliced W2 of Nadjahi et al. (2021, "Fast approximation of the sliced-
/// Wasserstein distance using concentration of random projections", Eq. (10)/(12)):
///
/// SW2²(μ, ν) ≈ |m_μ − m_ν|² / d + ( sqrt(m₂(μ̄)/d) − sqrt(m₂(ν̄)/d) )²,
///
/// with m_μ the mean and m₂(μ̄) = E|X − m_μ|² the second moment of the centred
/// sample (divisor n). Returned as the square root (the W2 scale). It rests on the
/// concentration of ⟨θ, X⟩ around a Gaussian for large d, is exact for isotropic
/// Gaussians (N(m1, s1² I) vs N(m2, s2² I) gives |m1 − m2|²/d + (s1 − s2)²), and costs
/// O((n + m) d).
///
/// samplers-a.md §5 describes SLIPS's two-modes metric as "centre both samples, then
/// |sqrt(E|X|²/d) − sqrt(E|Y|²/d)|", which omits the mean term; Nadjahi et al.'s
/// estimator (and, as far as we could check, the SLIPS-style `sw_approx` code) keeps
/// the |Δm|²/d term, so we do too. For samples with equal means the two agree.
pub fn fast_sliced_w2(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    check_pair(a, b, 1)?;
    let d = a.dim() as f64;
    let moments = |p: &Particles| {
        let m = p.mean();
        let m2 = p
            .rows()
            .map(|r| {
                r.iter()
                    .zip(&m)
                    .map(|(x, mu)| (x - mu).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / p.len() as f64;
        (m, m2)
    };
    let (ma, m2a) = moments(a);
    let (mb, m2b) = moments(b);
    let mean_term: f64 = ma
        .iter()
        .zip(&mb)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        / d;
    let spread = (m2a / d).sqrt() - (m2b / d).sqrt();
    Ok((mean_term + spread * spread).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaussian(n: usize, d: usize, mean: &[f64], sd: f64, seed: u64) -> Particles {
        let mut r = rng::stream(seed, 0);
        let mut p = Particles::zeros(n, d);
        rng::fill_standard_normal(&mut r, p.as_mut_slice());
        for i in 0..n {
            for (x, m) in p.row_mut(i).iter_mut().zip(mean) {
                *x = m + sd * *x;
            }
        }
        p
    }

    fn brute_force_w2_sq(x: &[f64], y: &[f64]) -> f64 {
        // Minimum over all permutations (n ≤ 6).
        fn rec(x: &[f64], y: &mut Vec<f64>, k: usize, best: &mut f64) {
            if k == x.len() {
                let c: f64 = x.iter().zip(y.iter()).map(|(a, b)| (a - b).powi(2)).sum();
                *best = best.min(c / x.len() as f64);
                return;
            }
            for i in k..y.len() {
                y.swap(k, i);
                rec(x, y, k + 1, best);
                y.swap(k, i);
            }
        }
        let mut best = f64::INFINITY;
        rec(x, &mut y.to_vec(), 0, &mut best);
        best
    }

    #[test]
    fn one_dimensional_case_is_exact_w2() {
        // Unequal sizes by hand: a = {0, 1, 3}, b = {1, 2}: the quantile functions
        // differ by 1 on (0, 1/3), 0 on (1/3, 1/2), 1 on (1/2, 2/3), 1 on (2/3, 1):
        // W2² = 1/3 + 1/6 + 1/3 = 5/6. In 1-D every direction is ±1.
        let a = Particles::from_vec(3, 1, vec![3.0, 0.0, 1.0]).unwrap();
        let b = Particles::from_vec(2, 1, vec![2.0, 1.0]).unwrap();
        let w = sliced_w2(&a, &b, 7, 1).unwrap();
        assert!((w * w - 5.0 / 6.0).abs() < 1e-14, "{w}");
        // Equal sizes against the best permutation.
        let x = [0.3, -1.2, 2.5, 0.0, 4.1, -0.7];
        let y = [1.0, 1.5, -2.0, 0.2, 3.3, 0.9];
        let a = Particles::from_vec(6, 1, x.to_vec()).unwrap();
        let b = Particles::from_vec(6, 1, y.to_vec()).unwrap();
        let w = sliced_w2(&a, &b, 3, 2).unwrap();
        assert!((w * w - brute_force_w2_sq(&x, &y)).abs() < 1e-12);
        // Unequal sizes equal to the equal-size case after duplicating every point.
        let mut y2 = y.to_vec();
        y2.extend_from_slice(&y);
        let b2 = Particles::from_vec(12, 1, y2).unwrap();
        let w2 = sliced_w2(&a, &b2, 3, 2).unwrap();
        assert!((w2 - w).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_give_zero() {
        let a = gaussian(300, 5, &[0.0; 5], 1.0, 3);
        assert_eq!(sliced_w2(&a, &a, 20, 4).unwrap(), 0.0);
        assert!(fast_sliced_w2(&a, &a).unwrap() < 1e-12);
    }

    #[test]
    fn translation_identity_and_expectation() {
        // ν = μ(· − c): the estimate equals (1/K) Σ ⟨θ_k, c⟩² for the same directions
        // (up to rounding), and E⟨θ, c⟩² = |c|²/d. With E⟨θ,u⟩⁴ = 3/(d(d+2)),
        // Var⟨θ,c⟩² = |c|⁴ 2(d−1)/(d²(d+2)); the mean of K = 2000 terms must be within
        // 4 SE of |c|²/d.
        let d = 4;
        let c = [3.0, -1.0, 0.5, 2.0];
        let c2: f64 = c.iter().map(|x| x * x).sum();
        let a = gaussian(200, d, &[0.0; 4], 1.0, 5);
        let mut b = a.clone();
        for i in 0..b.len() {
            for (x, cj) in b.row_mut(i).iter_mut().zip(&c) {
                *x += cj;
            }
        }
        let k = 2000;
        let w = sliced_w2(&a, &b, k, 6).unwrap();
        let exact: f64 = (0..k as u64)
            .map(|j| {
                let t = direction(d, 6, j);
                t.iter().zip(&c).map(|(x, y)| x * y).sum::<f64>().powi(2)
            })
            .sum::<f64>()
            / k as f64;
        assert!((w * w - exact).abs() < 1e-9 * exact, "{} vs {exact}", w * w);
        let df = d as f64;
        let se = c2 * (2.0 * (df - 1.0) / (df * df * (df + 2.0)) / k as f64).sqrt();
        assert!(
            (w * w - c2 / df).abs() < 4.0 * se,
            "{} vs {} (se {se})",
            w * w,
            c2 / df
        );
    }

    #[test]
    fn fast_sliced_matches_hand_values_and_isotropic_gaussians() {
        // a = {(1,0), (−1,0)}: mean 0, m₂ = 1. b = {(2,2), (0,0)}: mean (1,1), m₂ = 2.
        // fast² = |(1,1)|²/2 + (sqrt(1/2) − sqrt(2/2))² = 1 + (√½ − 1)².
        let a = Particles::from_rows(&[vec![1.0, 0.0], vec![-1.0, 0.0]]).unwrap();
        let b = Particles::from_rows(&[vec![2.0, 2.0], vec![0.0, 0.0]]).unwrap();
        let f = fast_sliced_w2(&a, &b).unwrap();
        let want = 1.0 + (0.5f64.sqrt() - 1.0).powi(2);
        assert!((f * f - want).abs() < 1e-14);
        // Isotropic Gaussians N(0, I) vs N(m, 4 I) in d = 8: the sliced W2² is exactly
        // |m|²/d + (1 − 2)² in the population, and both estimators agree with it
        // within sampling error (n = 4000: moment errors ~ 1/sqrt(n d) ≈ 0.6%).
        let d = 8;
        let m = [1.0; 8];
        let x = gaussian(4000, d, &[0.0; 8], 1.0, 10);
        let y = gaussian(4000, d, &m, 2.0, 11);
        let truth = 8.0 / 8.0 + 1.0;
        let f = fast_sliced_w2(&x, &y).unwrap().powi(2);
        let s = sliced_w2(&x, &y, 400, 12).unwrap().powi(2);
        assert!((f / truth - 1.0).abs() < 0.03, "fast {f} vs {truth}");
        assert!((s / truth - 1.0).abs() < 0.05, "sliced {s} vs {truth}");
    }

    #[test]
    fn errors_name_the_field() {
        let a = Particles::from_vec(2, 2, vec![0.0; 4]).unwrap();
        let b = Particles::from_vec(2, 3, vec![0.0; 6]).unwrap();
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(e(sliced_w2(&a, &b, 5, 0)).contains("`a` and `b`"));
        assert!(e(sliced_w2(&a, &a, 0, 0)).contains("n_projections"));
        let empty = Particles::zeros(0, 2);
        assert!(e(sliced_w2(&empty, &a, 5, 0)).contains("`a`"));
        let nan = Particles::from_vec(2, 2, vec![0.0, 1.0, f64::NAN, 0.0]).unwrap();
        let msg = e(fast_sliced_w2(&a, &nan));
        assert!(msg.contains("`b`") && msg.contains("particle 1"), "{msg}");
    }

    #[test]
    fn weighted_reduces_to_uniform_and_to_repeated_points() {
        let a = gaussian(30, 3, &[0.0; 3], 1.0, 20);
        let b = gaussian(25, 3, &[1.0; 3], 0.5, 21);
        let plain = sliced_w2(&a, &b, 16, 22).unwrap();
        assert_eq!(
            sliced_w2_weighted(&a, None, &b, None, 16, 22).unwrap(),
            plain
        );
        let w = sliced_w2_weighted(&a, Some(&[0.2; 30]), &b, Some(&[3.0; 25]), 16, 22).unwrap();
        assert!((w - plain).abs() < 1e-12 * plain, "{w} vs {plain}");
        let k: Vec<usize> = (0..30).map(|i| 1 + (i * 7) % 4).collect();
        let mut rows = Vec::new();
        for (i, &c) in k.iter().enumerate() {
            for _ in 0..c {
                rows.push(a.row(i).to_vec());
            }
        }
        let rep = Particles::from_rows(&rows).unwrap();
        let kw: Vec<f64> = k.iter().map(|&c| c as f64).collect();
        let x = sliced_w2_weighted(&a, Some(&kw), &b, None, 16, 22).unwrap();
        let y = sliced_w2(&rep, &b, 16, 22).unwrap();
        assert!((x - y).abs() < 1e-12 * y, "{x} vs {y}");
        // In 1-D every direction is ±1: the weighted marginal W2.
        let p = Particles::from_vec(3, 1, vec![3.0, 0.0, 1.0]).unwrap();
        let q = Particles::from_vec(2, 1, vec![2.0, 1.0]).unwrap();
        let s = sliced_w2_weighted(&p, Some(&[2.0, 1.0, 1.0]), &q, None, 5, 1).unwrap();
        assert!((s * s - 0.75).abs() < 1e-15, "{s}");
        let e = sliced_w2_weighted(&p, Some(&[1.0]), &q, None, 5, 1).unwrap_err();
        assert!(e.to_string().contains("`wa`"));
    }
}
