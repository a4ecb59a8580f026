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
use sampo_sgld::{Preconditioner, Schedule, Sgld, SgldConfig};
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

/// The exact first two moments after each of `steps` steps from the point x0
/// (module docs), with the schedule's h_t.
fn exact_moments(n: usize, h: impl Fn(u64) -> f64, x0: [f64; 2], steps: u64) -> ([f64; 2], M2) {
    let (rows, y) = data();
    let big_n = rows.len();
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
    let mut a = [[p0, 0.0], [0.0, p0]];
    let mut b = [0.0; 2];
    let mut a_bar = [[0.0; 2]; 2];
    for (ai, bi) in a_i.iter().zip(&b_i) {
        for i in 0..2 {
            b[i] += bi[i];
            for j in 0..2 {
                a[i][j] += ai[i][j];
                a_bar[i][j] += ai[i][j] / big_n as f64;
            }
        }
    }
    let (mut m, mut s) = (x0, [[0.0; 2]; 2]);
    for t in 0..steps {
        let h = h(t);
        let rho: Vec<[f64; 2]> = a_i
            .iter()
            .zip(&b_i)
            .map(|(ai, bi)| {
                [
                    ai[0][0] * m[0] + ai[0][1] * m[1] - bi[0],
                    ai[1][0] * m[0] + ai[1][1] * m[1] - bi[1],
                ]
            })
            .collect();
        let mut cov = [[0.0; 2]; 2];
        let mut rho_bar = [0.0; 2];
        for (ai, r) in a_i.iter().zip(&rho) {
            let asa = mul(&mul(ai, &s), ai);
            for i in 0..2 {
                rho_bar[i] += r[i] / big_n as f64;
                for j in 0..2 {
                    cov[i][j] += (asa[i][j] + r[i] * r[j]) / big_n as f64;
                }
            }
        }
        let bsb = mul(&mul(&a_bar, &s), &a_bar);
        let mut k = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                k[i][j] = if i == j { 1.0 } else { 0.0 } - h * a[i][j];
            }
        }
        let ksk = mul(&mul(&k, &s), &k);
        let scale = h * h * (big_n * big_n) as f64 / n as f64;
        let mut s2 = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                let e = cov[i][j] - bsb[i][j] - rho_bar[i] * rho_bar[j];
                s2[i][j] = ksk[i][j] + scale * e + if i == j { 2.0 * h } else { 0.0 };
            }
        }
        let am = [
            a[0][0] * m[0] + a[0][1] * m[1],
            a[1][0] * m[0] + a[1][1] * m[1],
        ];
        m = [m[0] + h * (b[0] - am[0]), m[1] + h * (b[1] - am[1])];
        s = s2;
    }
    (m, s)
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
    let k = Sgld::new(&t, config).unwrap();
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
