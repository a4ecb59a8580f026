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

/// A mixture of `k` components in R^d with random SPD covariances `B Bᵀ + ridge·I`
/// (`B` with entries uniform in [−1, 1]; `ridge` = 0.05 gives strongly correlated
/// components with condition numbers up to ~100), means uniform in [−4, 4]^d and unequal
/// weights.
pub(crate) fn random_full_ridge(k: usize, d: usize, seed: u64, ridge: f64) -> GaussianMixture {
    let mut rng = stream(seed, d as u64);
    let mut u = |a: f64, b: f64| a + (b - a) * uniform(&mut rng);
    let means: Vec<Vec<f64>> = (0..k)
        .map(|_| (0..d).map(|_| u(-4.0, 4.0)).collect())
        .collect();
    let w: Vec<f64> = (0..k).map(|_| u(0.1, 1.1)).collect();
    let covs: Vec<Vec<Vec<f64>>> = (0..k)
        .map(|_| {
            let b: Vec<f64> = (0..d * d).map(|_| u(-1.0, 1.0)).collect();
            (0..d)
                .map(|i| {
                    (0..d)
                        .map(|j| {
                            let s: f64 = (0..d).map(|l| b[i * d + l] * b[j * d + l]).sum();
                            s + if i == j { ridge } else { 0.0 }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    GaussianMixture::full(w, means, &covs).unwrap()
}

/// [`random_full_ridge`] with ridge 0.05 (ill-conditioned components).
pub(crate) fn random_full(k: usize, d: usize, seed: u64) -> GaussianMixture {
    random_full_ridge(k, d, seed, 0.05)
}

#[test]
fn full_covariance_layout() {
    // K = 1, 3, 4, 8 (group sizes 2, 4, 4, 8, with padding) and 70 (two stack blocks,
    // online rescaling) in d = 1, 2, 3 (unrolled paths) and 5 (runtime d); points near
    // the modes and far out (|log p| up to ~1e5).
    for (k, d) in [
        (1, 2),
        (3, 1),
        (4, 2),
        (4, 3),
        (8, 5),
        (3, 5),
        (70, 3),
        (70, 2),
    ] {
        let g = random_full(k, d, 11 + k as u64);
        check(&format!("full K={k} d={d}"), &g, -60.0, 60.0);
        check(&format!("full K={k} d={d} (near)"), &g, -6.0, 6.0);
    }
    // The ZOD-MC radius variants, out to 3× the largest radius.
    for r in [1.0, 26.0] {
        let g = GaussianMixture::zodmc_gmm2d_radius(r).unwrap();
        check(&format!("zodmc r={r}"), &g, -3.0 * r - 5.0, 3.0 * r + 5.0);
    }
}

/// The batched methods equal the single-point methods bit for bit, on every layout.
#[test]
fn batches_equal_single_points() {
    let diag = GaussianMixture::new(
        vec![1.0, 2.0, 0.5],
        vec![
            vec![0.0, 1.0, -1.0],
            vec![1.0, 0.5, 0.0],
            vec![3.0, 0.0, 1.0],
        ],
        vec![
            Covariance::diagonal("c", vec![0.5, 1.0, 2.0]).unwrap(),
            Covariance::diagonal("c", vec![1.5, 0.2, 1.0]).unwrap(),
            Covariance::Isotropic(0.7),
        ],
    )
    .unwrap();
    for g in [
        GaussianMixture::zodmc_gmm2d_radius(26.0).unwrap(),
        GaussianMixture::gmm40_fab(),
        GaussianMixture::gmm100(),
        diag,
        random_full(70, 3, 5),
        random_full(4, 5, 6),
        random_full(2, 1, 7),
    ] {
        let d = g.dim();
        let n = 500;
        let mut rng = stream(4, d as u64);
        let mut xs: Vec<f64> = (0..n * d)
            .map(|_| 30.0 * uniform(&mut rng) - 15.0)
            .collect();
        xs[0] = f64::NAN;
        xs[d * 7] = f64::INFINITY;
        let mut out = vec![0.0; n];
        let mut out_g = vec![0.0; n];
        let mut grads = vec![0.0; n * d];
        g.log_density_batch(&xs, &mut out);
        g.log_density_grad_batch(&xs, &mut grads, &mut out_g);
        let mut grad = vec![0.0; d];
        for (i, x) in xs.chunks_exact(d).enumerate() {
            let v = g.log_density(x);
            let vg = g.log_density_grad(x, &mut grad);
            assert_eq!(v.to_bits(), out[i].to_bits(), "{i}: {v} vs {}", out[i]);
            assert_eq!(vg.to_bits(), out_g[i].to_bits());
            assert_eq!(v.to_bits(), vg.to_bits());
            let gb = &grads[i * d..(i + 1) * d];
            assert!(grad.iter().zip(gb).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        assert!(out[0].is_nan() && out[7] == f64::NEG_INFINITY);
    }
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
    // The same for the full-covariance layout.
    let g = GaussianMixture::zodmc_gmm2d_radius(26.0).unwrap();
    assert!(g.log_density_grad(&[0.0, f64::NAN], &mut grad).is_nan());
    assert!(grad.iter().all(|v| v.is_nan()));
    assert_eq!(g.log_density(&[f64::NEG_INFINITY, 0.0]), f64::NEG_INFINITY);
    assert_eq!(g.log_density(&[1e200, 1e200]), f64::NEG_INFINITY);
    let v = g.log_density_grad(&x, &mut grad);
    assert!((v - naive(&g, &x)).abs() <= 1e-12 * v.abs());
}
