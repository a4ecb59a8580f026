//! The mixture hot path (blocked, skipping terms below max − 40) against a naive
//! log-sum-exp over all components, at 10⁴ points per mixture.

use crate::*;
use sampo_core::rng::{stream, uniform};
use sampo_core::{ExactSampler, GradTarget, Target};

fn naive(g: &GaussianMixture, x: &[f64]) -> f64 {
    let t: Vec<f64> = (0..g.n_components())
        .map(|c| g.component_log_term(c, x))
        .collect();
    let m = t.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + t.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// `Σ_k r_k Σ_k⁻¹(μ_k − x)` with softmax weights over all components.
fn naive_grad(g: &GaussianMixture, x: &[f64]) -> Vec<f64> {
    let lp = naive(g, x);
    let mut out = vec![0.0; x.len()];
    for c in 0..g.n_components() {
        let r = (g.component_log_term(c, x) - lp).exp();
        let mut score = vec![0.0; x.len()];
        g.covariance(c)
            .add_scaled_score(1.0, x, g.mean(c), &mut score);
        out.iter_mut().zip(&score).for_each(|(o, s)| *o += r * s);
    }
    out
}

/// Half the points are exact draws (near the modes, where several terms matter), half
/// uniform in [lo, hi]^d (far from modes, large |log p|).
fn check(name: &str, g: &GaussianMixture, lo: f64, hi: f64) {
    let n = 10_000;
    let d = g.dim();
    let near = g.sample_exact_n(n / 2, 123);
    let mut rng = stream(321, 0);
    let mut grad = vec![0.0; d];
    let mut worst: f64 = 0.0;
    for i in 0..n {
        let x: Vec<f64> = if i < n / 2 {
            near.row(i).to_vec()
        } else {
            (0..d).map(|_| lo + (hi - lo) * uniform(&mut rng)).collect()
        };
        let v0 = naive(g, &x);
        let v1 = g.log_density(&x);
        let v2 = g.log_density_grad(&x, &mut grad);
        let scale = v0.abs().max(1.0);
        let err = (v1 - v0).abs().max((v2 - v0).abs()) / scale;
        worst = worst.max(err);
        assert!(
            err <= 1e-12,
            "{name}: fast {v1} / {v2} vs naive {v0} at {x:?}"
        );
        // The gradient against the exact formula over all components: the skipped terms
        // weigh < e^{−40} each, and scores are at most ~|x − μ|/σ², so 1e−10 relative to
        // the largest of (1, |∇|) leaves room for rounding only.
        let ng = naive_grad(g, &x);
        let gscale = ng.iter().fold(1.0f64, |a, v| a.max(v.abs()));
        for (a, b) in grad.iter().zip(&ng) {
            assert!(
                (a - b).abs() <= 1e-10 * gscale,
                "{name}: grad {grad:?} vs {ng:?} at {x:?}"
            );
        }
    }
    println!("{name}: worst relative LSE error {worst:e}");
}

#[test]
fn hot_path_matches_naive_lse() {
    check("gmm40-fab", &GaussianMixture::gmm40_fab(), -60.0, 60.0);
    check(
        "gmm40-beyond-elbos",
        &GaussianMixture::gmm40_beyond_elbos(),
        -60.0,
        60.0,
    );
    check("gmm100", &GaussianMixture::gmm100(), -15.0, 15.0);
    check("zodmc", &GaussianMixture::zodmc_gmm2d(), -5.0, 16.0);
    check(
        "two-modes-32",
        &GaussianMixture::two_modes(32).unwrap(),
        -2.0,
        2.5,
    );
}

#[test]
fn many_blocks_and_diagonal_layout() {
    // 150 components (three stack blocks, online rescaling) in 3-D, unequal weights and
    // stds, means in a small box so that many terms overlap.
    let mut rng = stream(9, 0);
    let k = 150;
    let means: Vec<Vec<f64>> = (0..k)
        .map(|_| (0..3).map(|_| 8.0 * uniform(&mut rng) - 4.0).collect())
        .collect();
    let w: Vec<f64> = (0..k).map(|_| 0.1 + uniform(&mut rng)).collect();
    let s: Vec<f64> = (0..k).map(|_| 0.2 + uniform(&mut rng)).collect();
    let iso = GaussianMixture::isotropic(w.clone(), means.clone(), &s).unwrap();
    check("150 isotropic", &iso, -8.0, 8.0);
    let covs = s
        .iter()
        .map(|v| Covariance::diagonal("c", vec![v * v, 0.5 * v, 1.0]).unwrap())
        .collect();
    let diag = GaussianMixture::new(w, means, covs).unwrap();
    check("150 diagonal", &diag, -8.0, 8.0);
    // Row-major isotropic path (d ≥ 16) with several overlapping components.
    let means: Vec<Vec<f64>> = (0..5)
        .map(|_| (0..20).map(|_| uniform(&mut rng) - 0.5).collect())
        .collect();
    let g = GaussianMixture::isotropic(vec![1.0; 5], means, &[0.5, 0.7, 1.0, 1.3, 2.0]).unwrap();
    check("d=20 overlapping", &g, -3.0, 3.0);
}

#[test]
fn non_finite_inputs() {
    let g = GaussianMixture::gmm40_fab();
    let mut grad = [0.0; 2];
    assert!(g.log_density_grad(&[f64::NAN, 0.0], &mut grad).is_nan());
    assert_eq!(g.log_density(&[f64::INFINITY, 0.0]), f64::NEG_INFINITY);
    assert!(g.log_density(&[1e200, 0.0]) == f64::NEG_INFINITY);
    // Far but finite: one component dominates, value is finite and exact.
    let x = [1e6, -1e6];
    let v = g.log_density_grad(&x, &mut grad);
    assert!((v - naive(&g, &x)).abs() <= 1e-12 * v.abs());
}
