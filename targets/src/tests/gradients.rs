//! Analytic gradients against central finite differences (`sampo_core::numdiff`) at
//! random points (proptest, fixed seed), for every target.

use crate::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use sampo_core::GradTarget;
use sampo_core::numdiff::check_gradient;

/// Relative tolerance of the gradient check (the finite-difference truncation error
/// with h = 1e-5(1+|x|) is ~h²|f'''|, ≲ 1e-8 relative for these smooth targets).
const RTOL: f64 = 1e-6;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

/// Checks `t` at `cases` random points with coordinates uniform in [lo, hi], skipping
/// points where `skip(x)` (non-differentiable spots).
fn check_box(
    name: &str,
    t: &dyn GradTarget,
    lo: f64,
    hi: f64,
    cases: u32,
    skip: impl Fn(&[f64]) -> bool,
) {
    try_box(name, t, lo, hi, cases, skip).unwrap();
}

fn try_box(
    name: &str,
    t: &dyn GradTarget,
    lo: f64,
    hi: f64,
    cases: u32,
    skip: impl Fn(&[f64]) -> bool,
) -> Result<(), String> {
    let d = t.dim();
    runner(cases)
        .run(&prop::collection::vec(lo..hi, d), |x| {
            prop_assume!(!skip(&x));
            check_gradient(t, &x, RTOL).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))
        })
        .map_err(|e| e.to_string())
}

fn never(_: &[f64]) -> bool {
    false
}

#[test]
fn mixture_gradients() {
    for (name, lo, hi) in [
        ("8-gaussians", -14.0, 14.0),
        ("9gmm", -8.0, 8.0),
        ("25gmm", -13.0, 13.0),
        ("zodmc-gmm2d", -4.0, 14.0),
        ("two-modes-8", -1.5, 2.0),
        ("gmm100", -8.0, 8.0),
    ] {
        let t = preset(name).unwrap();
        check_box(name, &*t, lo, hi, 128, never);
    }
    // GMM40: between two modes 20–40 apart with σ ≈ 1, the log-sum-exp turns over a
    // width σ²/Δ, its third derivative reaches ~0.1 (Δ/σ²)³ ≈ 800–6400, and the central
    // difference's truncation error h²f'''/6 at |x| ≈ 40 (h ≈ 4e−4) is 2e−5–2e−4: the
    // finite-difference reference itself is wrong there. So the FD check is run within 3σ
    // of the modes, and the transition regions are covered by the comparison with the
    // exact all-component gradient in `lse.rs` (10⁴ points, 1e−10).
    for g in [
        GaussianMixture::gmm40_fab(),
        GaussianMixture::gmm40_beyond_elbos(),
    ] {
        let s = 3.0 * g.covariance(0).variance(0).sqrt();
        runner(128)
            .run(&(0..40usize, -s..s, -s..s), |(c, a, b)| {
                let x = [g.mean(c)[0] + a, g.mean(c)[1] + b];
                check_gradient(&g, &x, RTOL).map_err(TestCaseError::fail)
            })
            .unwrap();
    }
    // Diagonal layout and a mixed isotropic/full mixture (general layout).
    let diag = GaussianMixture::new(
        vec![1.0, 2.0],
        vec![vec![0.0, 1.0, -1.0], vec![1.0, 0.5, 0.0]],
        vec![
            Covariance::diagonal("c", vec![0.5, 1.0, 2.0]).unwrap(),
            Covariance::Isotropic(0.7),
        ],
    )
    .unwrap();
    check_box("diag", &diag, -3.0, 3.0, 128, never);
    let mixed = GaussianMixture::new(
        vec![1.0, 2.0],
        vec![vec![0.0, 1.0], vec![1.0, 0.5]],
        vec![
            Covariance::full("c", &[1.0, 0.4, 0.4, 0.5], 2).unwrap(),
            Covariance::Isotropic(0.7),
        ],
    )
    .unwrap();
    check_box("mixed", &mixed, -3.0, 3.0, 128, never);
    // Full covariances in d = 1, 2, 3 (unrolled paths) and 5 (runtime d), with a ridge
    // of 0.5 (condition numbers ≲ 20): with the ridge 0.05 of `lse.rs` the precisions
    // reach ~20 and the finite differences' own truncation error exceeds RTOL; the
    // ill-conditioned mixtures are covered there against the exact gradient.
    for (k, d) in [(3, 1), (4, 2), (4, 3), (3, 5)] {
        let g = super::lse::random_full_ridge(k, d, 40 + d as u64, 0.5);
        check_box(&format!("full K={k} d={d}"), &g, -5.0, 5.0, 128, never);
    }
    let zodmc = GaussianMixture::zodmc_gmm2d_radius(26.0).unwrap();
    check_box("zodmc-r26", &zodmc, -5.0, 30.0, 128, never);
}

#[test]
fn gaussian_gradients() {
    check_box(
        "gauss-5",
        &*preset("gauss-5").unwrap(),
        -4.0,
        4.0,
        64,
        never,
    );
    let g = Gaussian::with_full_cov(
        vec![1.0, -1.0, 0.5],
        &[2.0, 0.3, -0.2, 0.3, 1.0, 0.1, -0.2, 0.1, 0.5],
    )
    .unwrap();
    check_box("full gaussian", &g, -4.0, 4.0, 128, never);
    let g = Gaussian::new(
        vec![0.0, 1.0],
        Covariance::diagonal("c", vec![0.3, 4.0]).unwrap(),
    )
    .unwrap();
    check_box("diagonal gaussian", &g, -4.0, 4.0, 64, never);
}

#[test]
fn other_gradients() {
    check_box("funnel", &Funnel::hard(), -4.0, 4.0, 128, never);
    check_box("funnel-easy", &Funnel::easy(), -3.0, 3.0, 64, never);
    check_box("many-well-32", &ManyWell::d32(), -3.0, 3.0, 64, never);
    check_box("double-well", &DoubleWell::new(), -3.0, 3.0, 128, never);
    // Rings: away from the singular origin.
    check_box("rings", &Rings::slips(), -5.0, 5.0, 256, |x| {
        x[0].hypot(x[1]) < 0.05
    });
    for d in [1, 2, 7] {
        check_box("cauchy", &Cauchy::new(d).unwrap(), -10.0, 10.0, 64, never);
        check_box(
            "hyperplane",
            &HyperplaneDisk::new(d).unwrap(),
            -3.0,
            3.0,
            64,
            never,
        );
    }
    // Axial modes: differentiable except where a coordinate is 0 or the two largest |x_j|
    // tie; skip points within 1e-3 of those sets (the difference step is ≤ 6e-5 here).
    let kink = |x: &[f64]| {
        let mut a: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        a.sort_by(f64::total_cmp);
        a[0] < 1e-3 || (a.len() > 1 && a[a.len() - 1] - a[a.len() - 2] < 1e-3)
    };
    for d in [1, 2, 6] {
        check_box("axial", &AxialModes::new(d).unwrap(), -5.0, 5.0, 128, kink);
    }
}

#[test]
fn a_wrong_gradient_is_caught() {
    // The harness above must be able to fail: perturb the funnel's gradient.
    struct Wrong(Funnel);
    impl sampo_core::Target for Wrong {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            self.0.log_density(x)
        }
    }
    impl GradTarget for Wrong {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let v = self.0.log_density_grad(x, g);
            g[0] *= 1.0001;
            v
        }
    }
    assert!(try_box("wrong", &Wrong(Funnel::hard()), 0.5, 2.0, 8, never).is_err());
}
