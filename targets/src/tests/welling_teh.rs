//! The Welling–Teh mixture posterior: gradients against finite differences, the sum
//! of its terms, its data draw pinned, its normalization and its two modes.

use crate::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sampo_core::numdiff::check_gradient;
use sampo_core::{FiniteSumTarget, GradTarget, Target};

fn target() -> WellingTehMixture {
    WellingTehMixture::generate(100, [0.0, 1.0], 1).unwrap()
}

#[test]
fn gradient_matches_finite_differences_and_terms_sum_to_the_density() {
    let t = target();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 32,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&prop::collection::vec(-3.0..3.0f64, 2), |x| {
            check_gradient(&t, &x, 1e-6).map_err(TestCaseError::fail)?;
            // log π̃ = log p(θ) + Σ_i log p(x_i | θ), gradients likewise.
            let (mut g, mut gs) = ([0.0; 2], [0.0; 2]);
            let full = t.log_density_grad(&x, &mut g);
            let mut sum = t.log_prior_grad(&x, &mut gs);
            for i in 0..t.n_terms() {
                sum += t.log_term_grad_add(i, &x, &mut gs);
            }
            prop_assert!((full - sum).abs() < 1e-9 * full.abs().max(1.0));
            prop_assert!((g[0] - gs[0]).abs() < 1e-9 && (g[1] - gs[1]).abs() < 1e-9);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_single_term_is_the_normalized_two_component_mixture() {
    // At θ = (0, 0) both components are N(0, 2): p(x) = N(x; 0, 2).
    let t = WellingTehMixture::new(vec![0.7]).unwrap();
    let mut g = [0.0; 2];
    let lp = t.log_term_grad_add(0, &[0.0, 0.0], &mut g);
    let want = -0.5 * 0.49 / 2.0 - 0.5 * (2.0 * std::f64::consts::PI * 2.0).ln();
    assert!((lp - want).abs() < 1e-14, "{lp} vs {want}");
    // Gradient: both responsibilities ½, so ∂θ₁ = x/2, ∂θ₂ = ½·x/2.
    assert!(
        (g[0] - 0.35).abs() < 1e-14 && (g[1] - 0.175).abs() < 1e-14,
        "{g:?}"
    );
}

#[test]
fn the_posterior_is_normalized_and_has_both_modes() {
    // 20 points (the reference grid evaluates the density ~5·10⁶ times, in a test build).
    let t = WellingTehMixture::generate(20, [0.0, 1.0], 1).unwrap();
    let log_z = t.log_z().expect("the grid builds");
    // ∫ π̃ over a box holding the mass, by an independent rule: the midpoint sum on a
    // 1000² grid (error O(h²) ≈ 1e-4 relative at h = 0.01 on modes of sd ≥ 0.2),
    // against the grid's Gauss–Legendre value.
    let (n, (x0, x1), (y0, y1)) = (1000, (-5.0, 6.0), (-6.0, 6.0));
    let (hx, hy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let mut vals = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            vals.push(t.log_density(&[x0 + (i as f64 + 0.5) * hx, y0 + (j as f64 + 0.5) * hy]));
        }
    }
    let top = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = vals.iter().map(|v| (v - top).exp()).sum();
    let midpoint = top + (s * hx * hy).ln();
    assert!((midpoint - log_z).abs() < 1e-3, "{midpoint} vs {log_z}");
    // Both modes carry mass: θ₂ > 0 (near (0, 1)) and θ₂ < 0 (near (1, −1)).
    let draws = t.exact_sampler().unwrap().sample_exact_n(20_000, 3);
    let pos = draws.column(1).iter().filter(|v| **v > 0.0).count() as f64 / 20_000.0;
    assert!(pos > 0.1 && pos < 0.9, "P(θ₂ > 0) = {pos}");
}

#[test]
fn bad_data_are_named_errors() {
    let e = WellingTehMixture::new(vec![]).unwrap_err().to_string();
    assert!(e.contains("data"), "{e}");
    let e = WellingTehMixture::new(vec![1.0, f64::NAN])
        .unwrap_err()
        .to_string();
    assert!(e.contains("data[1]"), "{e}");
    let e = WellingTehMixture::generate(0, [0.0, 1.0], 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("points"), "{e}");
}
