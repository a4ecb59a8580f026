//! SGLD against closed forms on Bayesian linear regression.
//!
//! With f_i(x) = −log p(y_i | x) = ½xᵀA_i x − b_iᵀx + const (A_i = φ_iφ_iᵀ/σ²,
//! b_i = φ_i y_i/σ²) and the prior N(0, s² I) (precision P₀ = I/s²), one SGLD step is
//! `u = (I − hP₀)x − h(N/n) Σ_k r_{i_k}(x) + √(2h) ξ`, r_i(x) = A_i x − b_i, with n
//! indices drawn independently and uniformly. Given x ~ (m, S), its first two moments
//! are exact (no Gaussian assumption), since r is affine in x:
//!
//! ```text
//! m' = m + h(b − A m),                       A = P₀ + Σ_i A_i,  b = Σ_i b_i
//! S' = (I − hA) S (I − hA) + 2h I + h² (N²/n) E_x Cov_i[r_i(x)],
//! E_x Cov_i[r_i(x)] = (1/N) Σ_i (A_i S A_i + ρ_i ρ_iᵀ) − Ā S Ā − ρ̄ ρ̄ᵀ,   ρ_i = A_i m − b_i
//! ```
//!
//! (bars: means over i). The Monte Carlo checks compare C independent chains with
//! these moments at |estimate − truth| < 4 SE, the SE estimated from the chains
//! themselves (the law is not Gaussian: the minibatch noise is multiplicative).

use sampo_core::rng::{StreamRng, stream};
use sampo_core::{FiniteSumTarget, Kernel};
use sampo_langevin::{Ula, UlaConfig};
use sampo_sgld::{DsgldConfig, Preconditioner, Schedule, Sgld, SgldConfig, Visits};
use sampo_targets::{Design, LinearRegression};

const SIGMA: f64 = 1.0;
const PRIOR_STD: f64 = 2.0;

/// Eight points in d = 2, not centred, so that every term's gradient differs.
fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
    let rows = vec![
        vec![1.0, 0.2],
        vec![-0.5, 1.1],
        vec![0.3, -0.8],
        vec![1.4, 0.6],
        vec![-1.2, -0.3],
        vec![0.1, 0.9],
        vec![0.8, -1.3],
        vec![-0.6, 0.4],
    ];
    let y = vec![1.2, 0.4, -0.9, 2.1, -1.5, 0.7, -0.2, 0.1];
    (rows, y)
}

fn target() -> LinearRegression {
    let (rows, y) = data();
    LinearRegression::new(Design::new(&rows, &y).unwrap(), SIGMA, PRIOR_STD).unwrap()
}

type M2 = [[f64; 2]; 2];

fn mul(a: &M2, b: &M2) -> M2 {
    let mut c = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    c
}

/// The exact first two moments after `steps` steps from the point x0 (module docs),
/// with the schedule's h_t, n indices per step drawn uniformly from `set(t)` (a range
/// of the data) and the likelihood sum scaled by `scale(t)`: SGLD is set = all,
/// scale = N/n; DSGLD is the visited shard, scale = S·N_s/n. With m = |set|:
/// `m' = (I − hP₀)m − hκn r̄(m)`, `S' = (I − hP₀ − hκnĀ) S (…)ᵀ + 2hI + h²κ²n E_x Cov_i[r_i(x)]`
/// (bars: means over the set).
fn exact_moments_on(
    n: usize,
    h: impl Fn(u64) -> f64,
    set: impl Fn(u64) -> std::ops::Range<usize>,
    scale: impl Fn(u64) -> f64,
    x0: [f64; 2],
    steps: u64,
) -> ([f64; 2], M2) {
    let (rows, y) = data();
    let a_i: Vec<M2> = rows
        .iter()
        .map(|r| {
            let mut a = [[0.0; 2]; 2];
            for i in 0..2 {
                for j in 0..2 {
                    a[i][j] = r[i] * r[j] / (SIGMA * SIGMA);
                }
            }
            a
        })
        .collect();
    let b_i: Vec<[f64; 2]> = rows
        .iter()
        .zip(&y)
        .map(|(r, v)| [r[0] * v / (SIGMA * SIGMA), r[1] * v / (SIGMA * SIGMA)])
        .collect();
    let p0 = 1.0 / (PRIOR_STD * PRIOR_STD);
    let (mut m, mut s) = (x0, [[0.0; 2]; 2]);
    for t in 0..steps {
        let (h, k, range) = (h(t), scale(t), set(t));
        let size = range.len() as f64;
        let mut a_bar = [[0.0; 2]; 2];
        let mut rho_bar = [0.0; 2];
        let mut cov = [[0.0; 2]; 2];
        for i in range {
            let (ai, bi) = (&a_i[i], &b_i[i]);
            let r = [
                ai[0][0] * m[0] + ai[0][1] * m[1] - bi[0],
                ai[1][0] * m[0] + ai[1][1] * m[1] - bi[1],
            ];
            let asa = mul(&mul(ai, &s), ai);
            for p in 0..2 {
                rho_bar[p] += r[p] / size;
                for q in 0..2 {
                    a_bar[p][q] += ai[p][q] / size;
                    cov[p][q] += (asa[p][q] + r[p] * r[q]) / size;
                }
            }
        }
        let bsb = mul(&mul(&a_bar, &s), &a_bar);
        // The mean map: x ↦ (I − hP₀ − hκnĀ) x + hκn b̄.
        let mut g = [[0.0; 2]; 2];
        for p in 0..2 {
            for q in 0..2 {
                g[p][q] = if p == q { 1.0 - h * p0 } else { 0.0 } - h * k * n as f64 * a_bar[p][q];
            }
        }
        let gsg = mul(&mul(&g, &s), &g);
        let mut s2 = [[0.0; 2]; 2];
        for p in 0..2 {
            for q in 0..2 {
                let e = cov[p][q] - bsb[p][q] - rho_bar[p] * rho_bar[q];
                s2[p][q] =
                    gsg[p][q] + h * h * k * k * n as f64 * e + if p == q { 2.0 * h } else { 0.0 };
            }
        }
        m = [
            (1.0 - h * p0) * m[0] - h * k * n as f64 * rho_bar[0],
            (1.0 - h * p0) * m[1] - h * k * n as f64 * rho_bar[1],
        ];
        s = s2;
    }
    (m, s)
}

/// SGLD's moments: every term, scale N/n.
fn exact_moments(n: usize, h: impl Fn(u64) -> f64, x0: [f64; 2], steps: u64) -> ([f64; 2], M2) {
    let big_n = data().0.len();
    exact_moments_on(n, h, |_| 0..big_n, |_| big_n as f64 / n as f64, x0, steps)
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

/// Runs `chains` independent chains of `k` (stream (seed, c)) for `steps` steps from x0.
fn run_kernel<T: FiniteSumTarget>(
    k: &Sgld<T>,
    chains: usize,
    steps: u64,
    x0: [f64; 2],
    seed: u64,
) -> Vec<[f64; 2]> {
    (0..chains)
        .map(|c| {
            let mut rng = stream(seed, c as u64);
            let (mut st, _) = k.init(&x0, &mut rng).unwrap();
            for _ in 0..steps {
                k.step(&(), &mut st, &mut rng).unwrap();
            }
            [st.position()[0], st.position()[1]]
        })
        .collect()
}

/// |estimate − truth| < 4 SE for both means, both variances and the covariance.
fn check(what: &str, xs: &[[f64; 2]], m: [f64; 2], s: M2) {
    let c = xs.len() as f64;
    let mean = [
        xs.iter().map(|x| x[0]).sum::<f64>() / c,
        xs.iter().map(|x| x[1]).sum::<f64>() / c,
    ];
    for r in 0..2 {
        let se = (s[r][r] / c).sqrt();
        assert!(
            (mean[r] - m[r]).abs() < 4.0 * se,
            "{what}: mean[{r}] = {} vs exact {} (SE {se:.2e})",
            mean[r],
            m[r]
        );
    }
    for (i, j) in [(0, 0), (1, 1), (0, 1)] {
        let prods: Vec<f64> = xs
            .iter()
            .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
            .collect();
        let est = prods.iter().sum::<f64>() / (c - 1.0);
        let var_p = prods.iter().map(|p| (p - est).powi(2)).sum::<f64>() / (c - 1.0);
        let se = (var_p / c).sqrt();
        assert!(
            (est - s[i][j]).abs() < 4.0 * se,
            "{what}: cov[{i}][{j}] = {est} vs exact {} (SE {se:.2e})",
            s[i][j]
        );
    }
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
