//! SGLD with control variates (SGLD-CV) against closed forms on the Bayesian linear
//! regression of `common`.
//!
//! With the centre θ̂ = A⁻¹b (the posterior mode), the estimator
//! `ĝ(x) = ∇log π(θ̂) + ĝ_B(x) − ĝ_B(θ̂)` is SGLD's on recentred terms:
//! `ĝ(x) = −P₀x − (N/n) Σ_k (A_{i_k} x − b'_{i_k})` with `b'_i = A_i θ̂ − r̄(θ̂)`,
//! r̄ the mean residual `(1/N) Σ_j (A_j θ̂ − b_j)`. So the exact moment recursion of
//! `common::exact_moments_of` applies to the terms `(A_i, b'_i)`.
//!
//! The responses are `common`'s times 6, so that the residuals at the mode are large
//! and the control variate removes most of the minibatch noise: at n = 1 the exact
//! variances of SGLD and SGLD-CV then differ by far more than the Monte Carlo error.

// Index loops over coordinates mirror the closed forms.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use sampo_core::rng::{StreamRng, stream};
use sampo_core::{FiniteSumTarget, Kernel};
use sampo_langevin::{Ula, UlaConfig};
use sampo_sgld::{ControlVariate, Sgld, SgldConfig};

/// `common`'s data with the responses times 6 (module docs).
fn noisy() -> (Vec<Vec<f64>>, Vec<f64>) {
    let (rows, y) = data();
    (rows, y.iter().map(|v| 6.0 * v).collect())
}

fn cv(h: f64, n: usize) -> SgldConfig {
    SgldConfig {
        control_variate: ControlVariate::Map,
        ..SgldConfig::new(h, n)
    }
}

/// The posterior mode A⁻¹b, A = P₀ + Σ A_i, b = Σ b_i.
fn mode() -> [f64; 2] {
    let (a_i, b_i) = terms_of(&noisy());
    let p0 = 1.0 / (PRIOR_STD * PRIOR_STD);
    let mut a = [[p0, 0.0], [0.0, p0]];
    let mut b = [0.0; 2];
    for (ai, bi) in a_i.iter().zip(&b_i) {
        for p in 0..2 {
            b[p] += bi[p];
            for q in 0..2 {
                a[p][q] += ai[p][q];
            }
        }
    }
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    [
        (a[1][1] * b[0] - a[0][1] * b[1]) / det,
        (a[0][0] * b[1] - a[1][0] * b[0]) / det,
    ]
}

#[test]
fn the_centre_is_the_posterior_mode() {
    let t = target_of(&noisy());
    let k = Sgld::new(&t, cv(0.01, 2)).unwrap();
    let (got, want) = (k.centre().unwrap(), mode());
    for p in 0..2 {
        assert!(
            (got[p] - want[p]).abs() < 1e-10,
            "θ̂[{p}] = {} vs {}",
            got[p],
            want[p]
        );
    }
    assert!(
        Sgld::new(&t, SgldConfig::new(0.01, 2))
            .unwrap()
            .centre()
            .is_none()
    );
}

#[test]
fn full_batch_sgld_cv_is_ula() {
    let t = target_of(&noisy());
    let h = 0.03;
    let k = Sgld::new(&t, cv(h, t.n_terms())).unwrap();
    let ula = Ula::new(&t, UlaConfig::new(h)).unwrap();
    let x0 = [1.0, -2.0];
    let (mut r1, mut r2): (StreamRng, StreamRng) = (stream(5, 3), stream(5, 3));
    let (mut a, _) = k.init(&x0, &mut r1).unwrap();
    let (mut b, _) = ula.init(&x0, &mut r2).unwrap();
    for step in 0..200 {
        let info = k.step(&(), &mut a, &mut r1).unwrap();
        assert_eq!(info.evaluations.data_terms, 2 * t.n_terms() as u64);
        ula.step(&(), &mut b, &mut r2).unwrap();
        for j in 0..2 {
            let (u, v) = (a.position()[j], b.position()[j]);
            assert!(
                (u - v).abs() <= 1e-10 * (1.0 + v.abs()),
                "step {step}, x[{j}]: SGLD-CV {u} vs ULA {v}"
            );
        }
    }
}

#[test]
fn minibatch_sgld_cv_matches_its_exact_moments() {
    let (a_i, b_i) = terms_of(&noisy());
    let big_n = a_i.len();
    let centre = mode();
    let mut mean_r = [0.0; 2];
    for (ai, bi) in a_i.iter().zip(&b_i) {
        for p in 0..2 {
            mean_r[p] += (ai[p][0] * centre[0] + ai[p][1] * centre[1] - bi[p]) / big_n as f64;
        }
    }
    let recentred: Vec<[f64; 2]> = a_i
        .iter()
        .map(|ai| {
            [
                ai[0][0] * centre[0] + ai[0][1] * centre[1] - mean_r[0],
                ai[1][0] * centre[0] + ai[1][1] * centre[1] - mean_r[1],
            ]
        })
        .collect();
    let t = target_of(&noisy());
    let x0 = [0.5, -0.5];
    for (n, h, steps) in [(1usize, 0.02, 40u64), (2, 0.04, 40)] {
        let k = Sgld::new(&t, cv(h, n)).unwrap();
        let xs = run_kernel(&k, 20_000, steps, x0, 19);
        let (m, s) = exact_moments_of(
            &(a_i.clone(), recentred.clone()),
            n,
            |_| h,
            |_| 0..big_n,
            |_| big_n as f64 / n as f64,
            |_| ([0.0; 2], [[0.0; 2]; 2]),
            x0,
            steps,
        );
        check(&format!("SGLD-CV n = {n}, h = {h}"), &xs, m, s);
        // The plain estimator's exact variances, for scale: SGLD-CV must be told
        // apart from SGLD by the check above.
        let (_, plain) = exact_moments_of(
            &(a_i.clone(), b_i.clone()),
            n,
            |_| h,
            |_| 0..big_n,
            |_| big_n as f64 / n as f64,
            |_| ([0.0; 2], [[0.0; 2]; 2]),
            x0,
            steps,
        );
        let se = s[0][0] * (2.0 / 20_000f64).sqrt();
        assert!(
            (plain[0][0] - s[0][0]).abs() > 10.0 * se,
            "SGLD {} vs SGLD-CV {} (SE {se:.1e}): the test cannot tell them apart",
            plain[0][0],
            s[0][0]
        );
    }
}

#[test]
fn sgld_cv_needs_a_hessian_and_says_so() {
    let mixture = sampo_targets::WellingTehMixture::new(vec![0.1, -0.4, 1.2, 0.8]).unwrap();
    let e = Sgld::new(&mixture, cv(0.01, 2)).unwrap_err().to_string();
    assert!(
        e.contains("control_variate") && e.contains("Hessian"),
        "{e}"
    );
    let e = toml::from_str::<SgldConfig>("control_variate = \"svrg\"")
        .unwrap_err()
        .to_string();
    assert!(e.contains("svrg"), "{e}");
}
