//! Closed-form Gaussian smoothing (`crate::smoothing`): the smoothed density against
//! a direct quadrature of the convolution, the posterior mean of the component
//! formulas against Tweedie's formula, and exact posterior draws against their
//! moments.

use crate::tests::stats::assert_mean;
use crate::{Covariance, Gaussian, GaussianMixture};
use sampo_core::{GradTarget, Smoothable, Target, rng};

/// `p_{s²}(y) = ∫ π(x) N(y; x, s² I) dx` by the midpoint rule on a grid covering
/// every mode by > 8 standard deviations (the integrand is smooth: the rule's error
/// is far below the 1e-6 tolerance).
#[test]
fn smoothed_density_is_the_convolution() {
    let m = GaussianMixture::zodmc_gmm2d();
    for (s2, y) in [(0.5, [1.0, 2.0]), (4.0, [9.0, 9.5]), (25.0, [-3.0, 14.0])] {
        let p = m.smoothed(s2).unwrap();
        let h = 0.02;
        let (lo, hi) = (-9.0, 20.0);
        let n = ((hi - lo) / h) as usize;
        let mut sum = 0.0;
        for i in 0..n {
            for j in 0..n {
                let x = [lo + (i as f64 + 0.5) * h, lo + (j as f64 + 0.5) * h];
                let r2 = (y[0] - x[0]).powi(2) + (y[1] - x[1]).powi(2);
                let k = (-0.5 * r2 / s2).exp() / (2.0 * std::f64::consts::PI * s2);
                sum += m.log_density(&x).exp() * k;
            }
        }
        let want = (sum * h * h).ln();
        let got = p.log_density(&y);
        assert!((got - want).abs() < 1e-6, "s² = {s2}: {got} vs {want}");
    }
}

/// `Σ_k r_k(y) m_k(y)` (the posterior's component formulas) equals
/// `y + s² ∇log p_{s²}(y)` (Tweedie, from the smoothed mixture's gradient): two
/// independent routes to `E[X | y]`.
#[test]
fn component_posterior_means_agree_with_tweedie() {
    for m in [
        GaussianMixture::zodmc_gmm2d(),
        GaussianMixture::eight_gaussians(),
        GaussianMixture::two_modes(3).unwrap(),
    ] {
        let d = m.dim();
        for s2 in [0.01, 1.0, 99.3] {
            let sm = crate::SmoothedMixture::new(&m, s2).unwrap();
            let mut r = rng::stream(8, 0);
            let mut y = vec![0.0; d];
            for _ in 0..20 {
                rng::fill_standard_normal(&mut r, &mut y);
                y.iter_mut().for_each(|v| *v *= 6.0);
                let mut g = vec![0.0; d];
                let lp = sm.log_density_grad(&y, &mut g);
                let mut want = vec![0.0; d];
                let mut mk = vec![0.0; d];
                for c in 0..m.n_components() {
                    let rk = (sm.mixture().component_log_term(c, &y) - lp).exp();
                    sm.component_posterior_mean(c, &y, &mut mk);
                    want.iter_mut().zip(&mk).for_each(|(w, v)| *w += rk * v);
                }
                for i in 0..d {
                    let tweedie = y[i] + s2 * g[i];
                    assert!(
                        (tweedie - want[i]).abs() < 1e-9 * (1.0 + want[i].abs()),
                        "s² = {s2}: {tweedie} vs {}",
                        want[i]
                    );
                }
            }
        }
    }
}

/// Exact posterior draws at a fixed y: their mean is Tweedie's `E[X | y]` and, for
/// a Gaussian prior `N(μ, S)`, their second moments are those of
/// `N(C (S⁻¹ μ + y/s²), C)`, `C = (S⁻¹ + I/s²)⁻¹` (4 standard errors).
#[test]
fn posterior_draws_have_the_posterior_moments() {
    let n = 40_000;
    let m = GaussianMixture::zodmc_gmm2d_radius(6.0).unwrap();
    let s2 = 9.0;
    let p = m.smoothed(s2).unwrap();
    let y = [2.0, 3.0];
    let mut g = [0.0; 2];
    p.log_density_grad(&y, &mut g);
    let mut r = rng::stream(9, 0);
    let mut x = [0.0; 2];
    let draws: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            p.posterior_draw(&y, &mut r, &mut x);
            x
        })
        .collect();
    for i in 0..2 {
        let xs: Vec<f64> = draws.iter().map(|x| x[i]).collect();
        let sd = sample_sd(&xs);
        assert_mean("posterior mean", &xs, y[i] + s2 * g[i], sd);
    }
    // A Gaussian prior: the posterior is Gaussian with known moments.
    let cov = [2.0, 0.6, 0.6, 1.0];
    let gauss = Gaussian::with_full_cov(vec![1.0, -1.0], &cov).unwrap();
    let p = gauss.smoothed(s2).unwrap();
    // C = (S⁻¹ + I/s²)⁻¹ and its mean C (S⁻¹ μ + y/s²) with μ = (1, −1), by hand.
    let det = cov[0] * cov[3] - cov[1] * cov[1];
    let prec = [cov[3] / det, -cov[1] / det, -cov[1] / det, cov[0] / det];
    let a = [prec[0] + 1.0 / s2, prec[1], prec[2], prec[3] + 1.0 / s2];
    let da = a[0] * a[3] - a[1] * a[2];
    let c = [a[3] / da, -a[1] / da, -a[2] / da, a[0] / da];
    let b = [prec[0] - prec[1] + y[0] / s2, prec[2] - prec[3] + y[1] / s2];
    let mean = [c[0] * b[0] + c[1] * b[1], c[2] * b[0] + c[3] * b[1]];
    let draws: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            p.posterior_draw(&y, &mut r, &mut x);
            x
        })
        .collect();
    for (i, j, want) in [(0, 0, c[0]), (1, 1, c[3]), (0, 1, c[1])] {
        let xs: Vec<f64> = draws
            .iter()
            .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
            .collect();
        assert_mean("posterior covariance", &xs, want, sample_sd(&xs));
    }
    for i in 0..2 {
        let xs: Vec<f64> = draws.iter().map(|x| x[i]).collect();
        assert_mean("posterior mean", &xs, mean[i], c[i * 3].sqrt());
    }
}

fn sample_sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// R and τ² of the mixtures the σ rule of walk-jump uses: 8 Gaussians R = 10,
/// τ² = 0.7; ZOD-MC τ² = 0.1, the smaller eigenvalue of [[.3, −.2], [−.2, .3]].
#[test]
fn smoothing_geometry_of_the_benchmark_mixtures() {
    let g = GaussianMixture::eight_gaussians().smoothing_geometry();
    assert!((g.radius - 10.0).abs() < 1e-12 && (g.floor_variance - 0.7).abs() < 1e-15);
    assert!(g.center.iter().all(|c| c.abs() < 1e-12));
    let z = GaussianMixture::zodmc_gmm2d().smoothing_geometry();
    assert!(
        (z.floor_variance - 0.1).abs() < 1e-12,
        "{}",
        z.floor_variance
    );
    // Centre Σ w_k μ_k = (0.3·9 + 0.4·11, 0.2·11 + 0.3·9) = (7.1, 4.9); the farthest
    // mean is (0, 11), at |(−7.1, 6.1)| (the origin is at 8.6, (11, 0) at 6.3).
    assert!((z.center[0] - 7.1).abs() < 1e-12 && (z.center[1] - 4.9).abs() < 1e-12);
    assert!((z.radius - 7.1f64.hypot(6.1)).abs() < 1e-12);
    let d = Gaussian::new(vec![0.0; 3], Covariance::Diagonal(vec![2.0, 0.5, 1.0])).unwrap();
    assert_eq!(d.smoothing_geometry().floor_variance, 0.5);
    assert!(GaussianMixture::eight_gaussians().smoothed(0.0).is_err());
}
