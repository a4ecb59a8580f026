//! SGLD and DSGLD against closed forms on Bayesian linear regression (the exact
//! moment recursion of `common::exact_moments_on`), and their named errors.

mod common;

use common::*;
use sampo_core::rng::{StreamRng, stream};
use sampo_core::{FiniteSumTarget, Kernel};
use sampo_langevin::{Ula, UlaConfig};
use sampo_sgld::{DsgldConfig, Preconditioner, Schedule, Sgld, SgldConfig, Visits};

/// SGLD's moments: every term, scale N/n.
fn exact_moments(n: usize, h: impl Fn(u64) -> f64, x0: [f64; 2], steps: u64) -> ([f64; 2], M2) {
    let big_n = data().0.len();
    exact_moments_on(
        n,
        h,
        |_| 0..big_n,
        |_| big_n as f64 / n as f64,
        |_| ([0.0; 2], [[0.0; 2]; 2]),
        x0,
        steps,
    )
}

/// Runs `chains` independent chains (stream (seed, c)) for `steps` steps from x0.
fn run_chains(
    config: SgldConfig,
    chains: usize,
    steps: u64,
    x0: [f64; 2],
    seed: u64,
) -> Vec<[f64; 2]> {
    let t = target();
    run_kernel(&Sgld::new(&t, config).unwrap(), chains, steps, x0, seed)
}

#[test]
fn minibatch_sgld_matches_its_exact_moments() {
    let x0 = [0.5, -0.5];
    for (what, config, chains, steps) in [
        (
            "n = 2, constant h = 0.02",
            SgldConfig::new(0.02, 2),
            20_000,
            40,
        ),
        (
            "n = 1, constant h = 0.01",
            SgldConfig::new(0.01, 1),
            20_000,
            60,
        ),
        (
            "n = 3, polynomial from 0.04",
            SgldConfig {
                schedule: Schedule::Polynomial {
                    b: 10.0,
                    gamma: 0.55,
                },
                ..SgldConfig::new(0.04, 3)
            },
            20_000,
            50,
        ),
    ] {
        let sched = config.schedule;
        let (h0, n) = (config.step_size, config.batch_size);
        let xs = run_chains(config, chains, steps, x0, 11);
        let (m, s) = exact_moments(n, |t| sched.at(h0, t), x0, steps);
        check(what, &xs, m, s);
    }
}

#[test]
fn full_batch_constant_step_sgld_is_ula_step_for_step() {
    let t = target();
    let h = 0.03;
    let sgld = Sgld::new(&t, SgldConfig::new(h, t.n_terms())).unwrap();
    let ula = Ula::new(&t, UlaConfig::new(h)).unwrap();
    let x0 = [1.0, -2.0];
    let (mut r1, mut r2): (StreamRng, StreamRng) = (stream(5, 3), stream(5, 3));
    let (mut a, _) = sgld.init(&x0, &mut r1).unwrap();
    let (mut b, _) = ula.init(&x0, &mut r2).unwrap();
    for step in 0..200 {
        sgld.step(&(), &mut a, &mut r1).unwrap();
        ula.step(&(), &mut b, &mut r2).unwrap();
        for j in 0..2 {
            let (u, v) = (a.position()[j], b.position()[j]);
            assert!(
                (u - v).abs() <= 1e-12 * (1.0 + v.abs()),
                "step {step}, x[{j}]: SGLD {u} vs ULA {v}"
            );
        }
    }
}

#[test]
fn psgld_takes_the_preconditioned_step_of_its_formula() {
    // One full-batch step from x0: V₀ = (1 − α) ḡ², G = 1/(λ + √V₀), and
    // x₁ = x₀ + h G ĝ + √(2hG) ξ with ξ the stream's first d normals.
    let t = target();
    let (h, alpha, eps) = (0.01, 0.9, 1e-5);
    let config = SgldConfig {
        preconditioner: Preconditioner::Rmsprop {
            alpha,
            epsilon: eps,
        },
        ..SgldConfig::new(h, t.n_terms())
    };
    let k = Sgld::new(&t, config).unwrap();
    let x0 = [0.3, 0.7];
    let mut rng = stream(2, 0);
    let (mut st, _) = k.init(&x0, &mut rng).unwrap();
    k.step(&(), &mut st, &mut rng).unwrap();
    let mut prior = [0.0; 2];
    t.log_prior_grad(&x0, &mut prior);
    let mut lik = [0.0; 2];
    for i in 0..t.n_terms() {
        t.log_term_grad_add(i, &x0, &mut lik);
    }
    let mut z = [0.0; 2];
    let mut r = stream(2, 0);
    sampo_core::rng::fill_standard_normal(&mut r, &mut z);
    for j in 0..2 {
        let mean = lik[j] / t.n_terms() as f64;
        let g = 1.0 / (eps + ((1.0 - alpha) * mean * mean).sqrt());
        let want = x0[j] + h * g * (prior[j] + lik[j]) + (2.0 * h * g).sqrt() * z[j];
        assert!(
            (st.position()[j] - want).abs() < 1e-12 * (1.0 + want.abs()),
            "x[{j}]: {} vs {want}",
            st.position()[j]
        );
    }
}

#[test]
fn bad_configs_name_the_field() {
    let t = target();
    let e = Sgld::new(&t, SgldConfig::new(0.01, 9))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("batch_size") && e.contains("8 data terms"),
        "{e}"
    );
    let e = Sgld::new(&t, SgldConfig::new(-1.0, 2))
        .unwrap_err()
        .to_string();
    assert!(e.contains("step_size"), "{e}");
    let e = Sgld::new(&t, SgldConfig::new(0.01, 0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch_size"), "{e}");
    let bad = SgldConfig {
        schedule: Schedule::Polynomial { b: 1.0, gamma: 1.5 },
        ..SgldConfig::new(0.01, 2)
    };
    let e = Sgld::new(&t, bad).unwrap_err().to_string();
    assert!(e.contains("schedule.gamma"), "{e}");
    let e = toml::from_str::<SgldConfig>("step = 0.1")
        .unwrap_err()
        .to_string();
    assert!(e.contains("step"), "{e}");
}

#[test]
fn dsgld_with_one_shard_is_sgld() {
    let t = target();
    for visits in [Visits::RoundRobin, Visits::Categorical] {
        let d = DsgldConfig {
            shards: 1,
            local_steps: 3,
            visits,
            ..DsgldConfig {
                step_size: 0.02,
                batch_size: 2,
                ..DsgldConfig::default()
            }
        };
        let a = run_kernel(&Sgld::dsgld(&t, d).unwrap(), 50, 30, [0.5, -0.5], 4);
        let b = run_chains(SgldConfig::new(0.02, 2), 50, 30, [0.5, -0.5], 4);
        assert_eq!(a, b, "{visits:?}");
    }
}

#[test]
fn dsgld_matches_its_exact_moments_on_shards() {
    // Two shards of 4 points, round-robin visits of τ = 3 steps (steps 0–2 on shard 0,
    // 3–5 on shard 1, …); each step n = 2 indices from the shard, scaled by S·N_s/n = 4.
    let t = target();
    let x0 = [0.5, -0.5];
    for (tau, steps) in [(1u64, 40u64), (3, 41), (10, 40)] {
        let d = DsgldConfig {
            step_size: 0.02,
            batch_size: 2,
            shards: 2,
            local_steps: tau,
            ..DsgldConfig::default()
        };
        let xs = run_kernel(&Sgld::dsgld(&t, d).unwrap(), 20_000, steps, x0, 13);
        let shard = |k: u64| ((k / tau) % 2) as usize;
        let (m, s) = exact_moments_on(
            2,
            |_| 0.02,
            |k| 4 * shard(k)..4 * shard(k) + 4,
            |_| 4.0,
            |_| ([0.0; 2], [[0.0; 2]; 2]),
            x0,
            steps,
        );
        check(&format!("DSGLD τ = {tau}"), &xs, m, s);
    }
}

#[test]
fn dsgld_bad_configs_name_the_field() {
    let t = target();
    let base = DsgldConfig {
        step_size: 0.01,
        batch_size: 2,
        ..DsgldConfig::default()
    };
    let e = Sgld::dsgld(
        &t,
        DsgldConfig {
            shards: 9,
            ..base.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("shards") && e.contains("8 data terms"), "{e}");
    let e = Sgld::dsgld(
        &t,
        DsgldConfig {
            shards: 4,
            batch_size: 3,
            ..base.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("batch_size") && e.contains("smallest shard"),
        "{e}"
    );
    let e = Sgld::dsgld(
        &t,
        DsgldConfig {
            local_steps: 0,
            ..base
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("local_steps"), "{e}");
}
