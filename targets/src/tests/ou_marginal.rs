//! `GaussianMixture::ou_marginal`: the law of `e^{−t} X + √(1 − e^{−2t}) Z`.

use crate::GaussianMixture;
use sampo_core::{ExactSampler, Target, rng};

/// At t = 0 the marginal is the mixture itself.
#[test]
fn ou_marginal_at_zero_is_the_mixture() {
    for m in [
        GaussianMixture::zodmc_gmm2d(),
        GaussianMixture::eight_gaussians(),
        GaussianMixture::two_modes(3).unwrap(),
    ] {
        let p0 = m.ou_marginal(0.0).unwrap();
        let mut r = rng::stream(4, 0);
        let mut x = vec![0.0; m.dim()];
        for _ in 0..200 {
            m.sample_exact(&mut r, &mut x);
            let (a, b) = (m.log_density(&x), p0.log_density(&x));
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
        }
    }
}

/// Means `a μ_k`, coordinate variances `a² Σ_k,ii + 1 − a²`, and the moments of
/// `a X + √(1 − a²) Z` built from exact draws of X (4 standard errors).
#[test]
fn ou_marginal_blends_means_and_covariances() {
    let m = GaussianMixture::zodmc_gmm2d_radius(6.0).unwrap();
    let t: f64 = 0.7;
    let a = (-t).exp();
    let p = m.ou_marginal(t).unwrap();
    for c in 0..m.n_components() {
        for i in 0..2 {
            assert!((p.mean(c)[i] - a * m.mean(c)[i]).abs() < 1e-15);
            let want = a * a * m.covariance(c).variance(i) + 1.0 - a * a;
            assert!((p.covariance(c).variance(i) - want).abs() < 1e-12);
        }
    }
    // Second moments of X_t from exact draws of X, against p's own exact draws.
    let n = 20_000;
    let (mut s_ou, mut s_p) = ([0.0f64; 3], [0.0f64; 3]);
    let mut r = rng::stream(5, 0);
    let (mut x, mut z) = ([0.0; 2], [0.0; 2]);
    let mut sq = [[0.0f64; 3]; 2];
    for _ in 0..n {
        m.sample_exact(&mut r, &mut x);
        rng::fill_standard_normal(&mut r, &mut z);
        let xt = [
            a * x[0] + (1.0 - a * a).sqrt() * z[0],
            a * x[1] + (1.0 - a * a).sqrt() * z[1],
        ];
        let f = [xt[0] * xt[0], xt[1] * xt[1], xt[0] * xt[1]];
        p.sample_exact(&mut r, &mut x);
        let g = [x[0] * x[0], x[1] * x[1], x[0] * x[1]];
        for k in 0..3 {
            s_ou[k] += f[k];
            s_p[k] += g[k];
            sq[0][k] += f[k] * f[k];
            sq[1][k] += g[k] * g[k];
        }
    }
    let nf = n as f64;
    for k in 0..3 {
        let (m1, m2) = (s_ou[k] / nf, s_p[k] / nf);
        let v1 = sq[0][k] / nf - m1 * m1;
        let v2 = sq[1][k] / nf - m2 * m2;
        let se = ((v1 + v2) / nf).sqrt();
        assert!(
            (m1 - m2).abs() < 4.0 * se,
            "moment {k}: {m1} vs {m2} (SE {se})"
        );
    }
}

#[test]
fn ou_marginal_rejects_negative_time() {
    let e = GaussianMixture::zodmc_gmm2d()
        .ou_marginal(-1.0)
        .unwrap_err();
    assert!(e.to_string().contains(">= 0"), "{e}");
}
