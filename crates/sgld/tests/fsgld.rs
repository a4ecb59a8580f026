//! FSGLD against closed forms on Bayesian linear regression (eight points, two shards
//! of four, prior N(0, s²I)).
//!
//! Shard s's local posterior is `π_s ∝ p^{1/2} p(D_s | ·)`, Gaussian with precision
//! `Λ_s = Σ_{i∈s} A_i + P₀/2` and natural mean `b_s = Σ_{i∈s} b_i`, so the Laplace
//! surrogates are exact and the conducive term on shard s is
//! `c_s(x) = k_s − K_s x`, `k_s = Σ_r b_r − 2 b_s`, `K_s = Σ_r Λ_r − 2 Λ_s`, computed
//! here from the data, independently of the crate.

// Index loops over coordinates mirror the closed forms.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use sampo_core::rng::{StreamRng, stream};
use sampo_core::{FiniteSumTarget, GradTarget, Kernel, Target};
use sampo_langevin::{Ula, UlaConfig};
use sampo_sgld::surrogate::{self, FitSettings};
use sampo_sgld::{Center, Conducive, FsgldConfig, Precision, Sgld, Surrogate, Visits};
use sampo_targets::LinearRegression;

const SHARD: usize = 4;

/// `(Λ_s, b_s)` of shard s (module docs).
fn local_posterior(s: usize) -> (M2, [f64; 2]) {
    let (a_i, b_i) = terms();
    let p0 = 1.0 / (PRIOR_STD * PRIOR_STD);
    let mut lam = [[p0 / 2.0, 0.0], [0.0, p0 / 2.0]];
    let mut b = [0.0; 2];
    for i in s * SHARD..(s + 1) * SHARD {
        for p in 0..2 {
            b[p] += b_i[i][p];
            for q in 0..2 {
                lam[p][q] += a_i[i][p][q];
            }
        }
    }
    (lam, b)
}

/// `(k_s, K_s)` of shard s (module docs).
fn conducive(s: usize) -> ([f64; 2], M2) {
    let ((l0, b0), (l1, b1)) = (local_posterior(0), local_posterior(1));
    let (ls, bs) = local_posterior(s);
    let mut k = [0.0; 2];
    let mut m = [[0.0; 2]; 2];
    for p in 0..2 {
        k[p] = b0[p] + b1[p] - 2.0 * bs[p];
        for q in 0..2 {
            m[p][q] = l0[p][q] + l1[p][q] - 2.0 * ls[p][q];
        }
    }
    (k, m)
}

fn config(h: f64, n: usize, tau: u64) -> FsgldConfig {
    FsgldConfig {
        step_size: h,
        batch_size: n,
        shards: 2,
        local_steps: tau,
        ..FsgldConfig::default()
    }
}

fn ranges() -> [(usize, usize); 2] {
    [(0, SHARD), (SHARD, 2 * SHARD)]
}

fn settings() -> FitSettings {
    FitSettings {
        step_size: 0.01,
        batch_size: 2,
        seed: 7,
    }
}

/// The linear regression, with `is_quadratic` hidden: the Laplace fit then takes
/// Newton's method to the local MAP.
struct General(LinearRegression);

impl Target for General {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.0.log_density(x)
    }
}
impl GradTarget for General {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.0.log_density_grad(x, grad)
    }
}
impl FiniteSumTarget for General {
    fn n_terms(&self) -> usize {
        self.0.n_terms()
    }
    fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.0.log_prior_grad(x, grad)
    }
    fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64 {
        self.0.log_term_grad_add(i, x, grad)
    }
    fn log_prior_hessian_add(&self, x: &[f64], hess: &mut [f64]) -> bool {
        self.0.log_prior_hessian_add(x, hess)
    }
    fn log_term_hessian_add(&self, i: usize, x: &[f64], hess: &mut [f64]) -> bool {
        self.0.log_term_hessian_add(i, x, hess)
    }
}

#[test]
fn laplace_surrogates_are_the_local_posteriors() {
    let t = target();
    let laplace = Surrogate::default();
    for (what, fitted) in [
        (
            "closed form",
            surrogate::fit(&t, &ranges(), &laplace, settings()).unwrap(),
        ),
        (
            "Newton, expanded at the local MAPs",
            surrogate::fit(
                &General(target()),
                &ranges(),
                &Surrogate::Laplace {
                    center: Center::LocalMap,
                    precision: Precision::Full,
                    variance_floor: 0.0,
                },
                settings(),
            )
            .unwrap(),
        ),
        (
            "Newton, expanded at the global MAP",
            surrogate::fit(
                &General(target()),
                &ranges(),
                &Surrogate::Laplace {
                    center: Center::GlobalMap,
                    precision: Precision::Full,
                    variance_floor: 0.0,
                },
                settings(),
            )
            .unwrap(),
        ),
    ] {
        for (s, q) in fitted.iter().enumerate() {
            let (lam, b) = local_posterior(s);
            for p in 0..2 {
                assert!(
                    (q.b[p] - b[p]).abs() < 1e-9 * (1.0 + b[p].abs()),
                    "{what}, shard {s}: b[{p}] = {} vs {}",
                    q.b[p],
                    b[p]
                );
                for r in 0..2 {
                    let got = q.precision[p * 2 + r];
                    assert!(
                        (got - lam[p][r]).abs() < 1e-9 * (1.0 + lam[p][r].abs()),
                        "{what}, shard {s}: Λ[{p}][{r}] = {got} vs {}",
                        lam[p][r]
                    );
                }
            }
        }
    }
}

#[test]
fn conducive_terms_have_zero_mean_over_the_visits() {
    // Σ_s f_s c_s(x) = 0 for every x and every surrogate (module docs of
    // `surrogate`): exact, moments (noisy), diagonal and floored fits alike.
    let t = target();
    let fits = [
        Surrogate::default(),
        Surrogate::Laplace {
            center: Center::LocalMap,
            precision: Precision::Diagonal,
            variance_floor: 0.3,
        },
        Surrogate::Laplace {
            center: Center::GlobalMap,
            precision: Precision::Full,
            variance_floor: 0.3,
        },
        Surrogate::Moments {
            steps: 400,
            precision: Precision::Full,
            variance_floor: 0.0,
        },
        Surrogate::Moments {
            steps: 400,
            precision: Precision::Diagonal,
            variance_floor: 1e-3,
        },
    ];
    let mut rng = stream(3, 0);
    for fit in fits {
        let q = surrogate::fit(&t, &ranges(), &fit, settings()).unwrap();
        let c = Conducive::new(&q, surrogate::is_diagonal(&fit));
        assert_eq!(c.shards(), 2);
        for _ in 0..20 {
            let mut x = [0.0; 2];
            sampo_core::rng::fill_standard_normal(&mut rng, &mut x);
            x.iter_mut().for_each(|v| *v *= 5.0);
            let (mut c0, mut c1) = ([0.0; 2], [0.0; 2]);
            c.add(0, &x, &mut c0);
            c.add(1, &x, &mut c1);
            for p in 0..2 {
                let scale = c0[p].abs() + c1[p].abs();
                assert!(scale > 0.0, "{fit:?}: c_s(x)[{p}] vanishes");
                assert!(
                    (0.5 * c0[p] + 0.5 * c1[p]).abs() < 1e-12 * scale,
                    "{fit:?}: mean {} at x = {x:?}",
                    0.5 * c0[p] + 0.5 * c1[p]
                );
            }
        }
    }
}

#[test]
fn the_conducive_term_is_its_closed_form() {
    let t = target();
    let q = surrogate::fit(&t, &ranges(), &Surrogate::default(), settings()).unwrap();
    let c = Conducive::new(&q, false);
    let x = [0.7, -1.3];
    for s in 0..2 {
        let (k, m) = conducive(s);
        let mut got = [0.0; 2];
        c.add(s, &x, &mut got);
        for p in 0..2 {
            let want = k[p] - m[p][0] * x[0] - m[p][1] * x[1];
            assert!(
                (got[p] - want).abs() < 1e-9 * (1.0 + want.abs()),
                "shard {s}: c[{p}] = {} vs {want}",
                got[p]
            );
        }
    }
}

#[test]
fn full_shard_batches_with_exact_surrogates_are_ula_on_the_posterior() {
    // With the whole shard as the batch, the drift on shard s is
    // ∇log p + 2∇log p(D_s) + c_s = ∇log π exactly, for any visit length; no index
    // is drawn, so FSGLD and ULA use the same normals.
    let t = target();
    let h = 0.03;
    let ula = Ula::new(&t, UlaConfig::new(h)).unwrap();
    for tau in [1, 10] {
        let k = Sgld::fsgld(&t, config(h, SHARD, tau), 1).unwrap();
        let x0 = [1.0, -2.0];
        let (mut r1, mut r2): (StreamRng, StreamRng) = (stream(5, 3), stream(5, 3));
        let (mut a, _) = k.init(&x0, &mut r1).unwrap();
        let (mut b, _) = ula.init(&x0, &mut r2).unwrap();
        for step in 0..200 {
            k.step(&(), &mut a, &mut r1).unwrap();
            ula.step(&(), &mut b, &mut r2).unwrap();
            for j in 0..2 {
                let (u, v) = (a.position()[j], b.position()[j]);
                assert!(
                    (u - v).abs() <= 1e-10 * (1.0 + v.abs()),
                    "τ = {tau}, step {step}, x[{j}]: FSGLD {u} vs ULA {v}"
                );
            }
        }
    }
}

#[test]
fn minibatch_fsgld_matches_its_exact_moments() {
    // Round-robin visits of τ steps, n = 2 indices from the shard scaled by
    // S·N_s/n = 4, plus the shard's conducive term (its closed form, module docs).
    let t = target();
    let x0 = [0.5, -0.5];
    for (tau, steps) in [(1u64, 40u64), (3, 41), (10, 40)] {
        let k = Sgld::fsgld(&t, config(0.02, 2, tau), 1).unwrap();
        let xs = run_kernel(&k, 20_000, steps, x0, 17);
        let shard = |k: u64| ((k / tau) % 2) as usize;
        let (m, s) = exact_moments_on(
            2,
            |_| 0.02,
            |k| SHARD * shard(k)..SHARD * shard(k) + SHARD,
            |_| 4.0,
            |k| conducive(shard(k)),
            x0,
            steps,
        );
        check(&format!("FSGLD τ = {tau}"), &xs, m, s);
    }
}

#[test]
fn categorical_visits_draw_their_shard() {
    // Same config, categorical visits: a different stream use, the same law per
    // visit; both stay finite and differ.
    let t = target();
    let rr = Sgld::fsgld(&t, config(0.02, 2, 3), 1).unwrap();
    let cat = Sgld::fsgld(
        &t,
        FsgldConfig {
            visits: Visits::Categorical,
            ..config(0.02, 2, 3)
        },
        1,
    )
    .unwrap();
    let a = run_kernel(&rr, 4, 30, [0.0, 0.0], 2);
    let b = run_kernel(&cat, 4, 30, [0.0, 0.0], 2);
    assert!(a.iter().flatten().all(|v| v.is_finite()));
    assert_ne!(a, b);
}

#[test]
fn fsgld_bad_configs_name_the_field() {
    let t = target();
    let e = Sgld::fsgld(
        &t,
        FsgldConfig {
            surrogate: Surrogate::Moments {
                steps: 1,
                precision: Precision::Full,
                variance_floor: 0.0,
            },
            ..config(0.01, 2, 3)
        },
        1,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("surrogate.steps"), "{e}");
    let e = Sgld::fsgld(
        &t,
        FsgldConfig {
            surrogate: Surrogate::Laplace {
                center: Center::LocalMap,
                precision: Precision::Full,
                variance_floor: -1.0,
            },
            ..config(0.01, 2, 3)
        },
        1,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("surrogate.variance_floor"), "{e}");
    let e = Sgld::fsgld(&t, config(0.01, 5, 3), 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch_size"), "{e}");
    // A target without a Hessian: the Laplace fit names the fix.
    let mixture = sampo_targets::WellingTehMixture::new(vec![0.1, -0.4, 1.2, 0.8]).unwrap();
    let e = Sgld::fsgld(&mixture, config(0.01, 2, 3), 1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("surrogate") && e.contains("Hessian") && e.contains("moments"),
        "{e}"
    );
    let e = toml::from_str::<FsgldConfig>("surrogate = { kind = \"laplace\", floor = 1.0 }")
        .unwrap_err()
        .to_string();
    assert!(e.contains("floor"), "{e}");
}

/// `Σ_s ∇log q_s(x)` for the fitted surrogates.
fn surrogate_sum(q: &[sampo_sgld::Gaussian], x: &[f64]) -> Vec<f64> {
    let mut sum = vec![0.0; x.len()];
    let mut g = vec![0.0; x.len()];
    for s in q {
        s.grad(x, &mut g);
        sum.iter_mut().zip(&g).for_each(|(a, v)| *a += v);
    }
    sum
}

#[test]
fn laplace_centres_are_where_the_expansion_is_exact() {
    // A Laplace surrogate is the first-order expansion of ∇log π_s at its centre: at
    // the local MAP it vanishes there; at the global MAP θ̂ the surrogates sum to
    // ∇log π(θ̂) = 0, so FSGLD's mean drift at θ̂ is exact.
    let t = logistic();
    let ranges = [(0, 30), (30, 60)];
    let at = |center| Surrogate::Laplace {
        center,
        precision: Precision::Full,
        variance_floor: 0.0,
    };
    let local = surrogate::fit(&t, &ranges, &at(Center::LocalMap), settings()).unwrap();
    let global = surrogate::fit(&t, &ranges, &at(Center::GlobalMap), settings()).unwrap();
    // The local MAPs θ̂_s = Λ_s⁻¹ b_s, and the global MAP by Newton on the sum.
    let solve2 = |q: &sampo_sgld::Gaussian| {
        let chol = sampo_targets::linalg::Cholesky::new("Λ", &q.precision, 3).unwrap();
        let mut m = q.b.clone();
        chol.solve_in_place(&mut m);
        m
    };
    let mut g = vec![0.0; 3];
    for (s, q) in local.iter().enumerate() {
        let mode = solve2(q);
        // ∇log π_s at the local mode: (1/S)∇log p + Σ_{i∈s} ∇log p(y_i | θ).
        t.log_prior_grad(&mode, &mut g);
        g.iter_mut().for_each(|v| *v *= 0.5);
        for i in ranges[s].0..ranges[s].1 {
            t.log_term_grad_add(i, &mode, &mut g);
        }
        assert!(
            g.iter().all(|v| v.abs() < 1e-6),
            "shard {s}: ∇log π_s = {g:?}"
        );
    }
    let pooled = sampo_sgld::Gaussian {
        b: (0..3).map(|i| global[0].b[i] + global[1].b[i]).collect(),
        precision: (0..9)
            .map(|i| global[0].precision[i] + global[1].precision[i])
            .collect(),
    };
    let map = solve2(&pooled);
    t.log_density_grad(&map, &mut g);
    assert!(g.iter().all(|v| v.abs() < 1e-6), "∇log π(θ̂) = {g:?}");
    let sum = surrogate_sum(&global, &map);
    assert!(
        sum.iter().all(|v| v.abs() < 1e-6),
        "Σ ∇log q_s(θ̂) = {sum:?}"
    );
    // The local-MAP surrogates are not exact at θ̂ (the shards disagree).
    let off = surrogate_sum(&local, &map);
    assert!(off.iter().any(|v| v.abs() > 1e-2), "{off:?}");
}
