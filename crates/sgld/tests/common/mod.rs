//! Shared helpers of the SGLD tests: closed forms on Bayesian linear regression.
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

#![allow(dead_code)]
#![allow(clippy::needless_range_loop)]

use sampo_core::rng::stream;
use sampo_core::{FiniteSumTarget, Kernel};
use sampo_sgld::Sgld;
use sampo_targets::{Design, LinearRegression};

pub const SIGMA: f64 = 1.0;
pub const PRIOR_STD: f64 = 2.0;

/// Eight points in d = 2, not centred, so that every term's gradient differs.
pub fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
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

pub fn target() -> LinearRegression {
    target_of(&data())
}

/// The regression on `(rows, y)` (noise σ = SIGMA, prior std PRIOR_STD).
pub fn target_of((rows, y): &(Vec<Vec<f64>>, Vec<f64>)) -> LinearRegression {
    LinearRegression::new(Design::new(rows, y).unwrap(), SIGMA, PRIOR_STD).unwrap()
}

pub type M2 = [[f64; 2]; 2];

pub fn mul(a: &M2, b: &M2) -> M2 {
    let mut c = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    c
}

/// Every term's `(A_i, b_i)`: `−log p(y_i | x) = ½xᵀA_i x − b_iᵀx + const`.
pub fn terms() -> (Vec<M2>, Vec<[f64; 2]>) {
    terms_of(&data())
}

/// [`terms`] of the regression on `(rows, y)`.
pub fn terms_of((rows, y): &(Vec<Vec<f64>>, Vec<f64>)) -> (Vec<M2>, Vec<[f64; 2]>) {
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
        .zip(y)
        .map(|(r, v)| [r[0] * v / (SIGMA * SIGMA), r[1] * v / (SIGMA * SIGMA)])
        .collect();
    (a_i, b_i)
}

/// The exact first two moments after `steps` steps from the point x0 (module docs),
/// with the schedule's h_t, n indices per step drawn uniformly from `set(t)` (a range
/// of the data) and the likelihood sum scaled by `scale(t)`: SGLD is set = all,
/// scale = N/n; DSGLD is the visited shard, scale = S·N_s/n. `linear(t) = (k, K)` adds
/// the drift `k − Kx` (FSGLD's conducive term; zero for SGLD and DSGLD). With m = |set|:
/// `m' = (I − hP₀)m − hκn r̄(m) + h(k − Km)`,
/// `S' = (I − hP₀ − hκnĀ − hK) S (…)ᵀ + 2hI + h²κ²n E_x Cov_i[r_i(x)]`
/// (bars: means over the set).
pub fn exact_moments_on(
    n: usize,
    h: impl Fn(u64) -> f64,
    set: impl Fn(u64) -> std::ops::Range<usize>,
    scale: impl Fn(u64) -> f64,
    linear: impl Fn(u64) -> ([f64; 2], M2),
    x0: [f64; 2],
    steps: u64,
) -> ([f64; 2], M2) {
    exact_moments_of(&terms(), n, h, set, scale, linear, x0, steps)
}

/// [`exact_moments_on`] for the terms `(A_i, b_i)` given (SGLD-CV's recentred ones).
#[allow(clippy::too_many_arguments)]
pub fn exact_moments_of(
    (a_i, b_i): &(Vec<M2>, Vec<[f64; 2]>),
    n: usize,
    h: impl Fn(u64) -> f64,
    set: impl Fn(u64) -> std::ops::Range<usize>,
    scale: impl Fn(u64) -> f64,
    linear: impl Fn(u64) -> ([f64; 2], M2),
    x0: [f64; 2],
    steps: u64,
) -> ([f64; 2], M2) {
    let p0 = 1.0 / (PRIOR_STD * PRIOR_STD);
    let (mut m, mut s) = (x0, [[0.0; 2]; 2]);
    for t in 0..steps {
        let (h, k, range) = (h(t), scale(t), set(t));
        let (lk, lm) = linear(t);
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
        // The mean map: x ↦ (I − hP₀ − hκnĀ − hK) x + hκn b̄ + hk.
        let mut g = [[0.0; 2]; 2];
        for p in 0..2 {
            for q in 0..2 {
                g[p][q] = if p == q { 1.0 - h * p0 } else { 0.0 }
                    - h * k * n as f64 * a_bar[p][q]
                    - h * lm[p][q];
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
            (1.0 - h * p0) * m[0] - h * k * n as f64 * rho_bar[0]
                + h * (lk[0] - lm[0][0] * m[0] - lm[0][1] * m[1]),
            (1.0 - h * p0) * m[1] - h * k * n as f64 * rho_bar[1]
                + h * (lk[1] - lm[1][0] * m[0] - lm[1][1] * m[1]),
        ];
        s = s2;
    }
    (m, s)
}

/// Runs `chains` independent chains of `k` (stream (seed, c)) for `steps` steps from x0.
pub fn run_kernel<T: FiniteSumTarget>(
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
pub fn check(what: &str, xs: &[[f64; 2]], m: [f64; 2], s: M2) {
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

/// A 3-D logistic regression over 60 points whose labels are sorted (the first half
/// mostly zeros): non-quadratic shards with distinct local MAPs.
pub fn logistic() -> sampo_targets::LogisticRegression {
    let mut r = stream(8, 0);
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    for i in 0..60 {
        let mut a = vec![1.0];
        a.extend((0..2).map(|_| sampo_core::rng::standard_normal(&mut r)));
        rows.push(a);
        y.push(f64::from(u8::from(i >= 25)));
    }
    sampo_targets::LogisticRegression::new(sampo_targets::Design::new(&rows, &y).unwrap(), 3.0)
        .unwrap()
}
