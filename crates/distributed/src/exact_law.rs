//! The exact law of the decentralized samplers on a quadratic target (Bayesian linear
//! regression), where every round is an affine map with Gaussian noise.
//!
//! With `f_i(x) = ½xᵀA_i x − b_iᵀx` ([`crate::shard::Shard::quadratic`]) the stacked
//! state `s = (x_1, …, x_N, aux_1, …, aux_N)` (aux: the duals of D-ADMMS, the
//! velocities of D-SGHMC) evolves as `s' = M_k s + c_k + G_k z`, `z ~ N(0, I_{Nd})`,
//! so with `s⁰ ~ N(m⁰, S⁰)` the law at every iteration is Gaussian:
//! `m' = M m + c`, `S' = M S Mᵀ + G Gᵀ`. The maps are written here from the update
//! equations (samplers-b.md §3.3–3.4), in the paper's order (primal, then dual with
//! the new positions), independently of the sampler's agent code; the affine map is
//! read off by applying the equations to unit vectors.
//!
//! - **D-ADMMS**, agent i with primal set P_i (m_i = |P_i|), neighbours N_i and noise
//!   std σ_i: `x_i' = (A_i + 2ρm_i I)⁻¹ [b_i − p_i + ρ Σ_{j∈P_i}(x_i + x_j) − 2ρ m_i σ_i z_i]`,
//!   `p_i' = p_i + ρ Σ_{j∈N_i}(x_i' − x_j')`.
//! - **D-SGLD**: `x_i' = Σ_j W_ij x_j − η(A_i x_i − b_i) + √(2η) z_i`.
//! - **D-SGHMC**: `v_i' = v_i − η(γ v_i + A_i x_i − b_i) + √(2γη) z_i`, `x_i' = Σ_j W_ij x_j + η v_i'`.
//! - **D-ULA**: `x_i' = x_i − β_k Σ_{j∈N_i}(x_i − x_j) − α_k N (A_i x_i − b_i) + √(2α_k N) z_i`.
//!
//! **Stationary law** (time-invariant maps): by doubling, on `Mⁿ`,
//! `h_n = Σ_{k<n} M^k c` and `Q_n = Σ_{k<n} M^k GGᵀ M^{kᵀ}`, until `Mⁿ` has vanished
//! and h, Q change by less than 1e-13 relative (at most 2⁶⁰ rounds). D-ADMMS conserves
//! Σ_i p_i (the graph Laplacian's columns sum to zero), an eigenvalue 1 of M; its
//! initial value is 0 and no noise reaches it, so the doubling runs on the invariant
//! subspace Σ_i p_i = 0, where every eigenvalue of a converging recursion is below 1.

// Index loops over coordinates mirror the update equations they implement.
#![allow(clippy::needless_range_loop)]

use crate::DistributedError;
use crate::config::{Common, NeighbourSum};
use crate::method::Method;
use crate::shard::{factor_shifted, shards};
use nalgebra::{DMatrix, DVector};
use sampo_core::FiniteSumTarget;
use sampo_targets::linalg::Cholesky;

/// Mean and covariance of the stacked state.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Mean, length D.
    pub mean: DVector<f64>,
    /// Covariance, D × D.
    pub cov: DMatrix<f64>,
}

/// The affine-Gaussian recursion of one sampler on one quadratic target.
pub struct LinearLaw {
    method: Method,
    common: Common,
    d: usize,
    q: usize,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    neighbours: Vec<Vec<usize>>,
    primal: Vec<Vec<usize>>,
    weights: Vec<(f64, Vec<f64>)>,
    chol: Vec<Option<Cholesky>>,
}

impl LinearLaw {
    /// The law of `method` with `common` on `target`; the target must be quadratic.
    pub fn new<T: FiniteSumTarget + ?Sized>(
        target: &T,
        method: &Method,
        common: &Common,
    ) -> Result<Self, DistributedError> {
        if !target.is_quadratic() {
            return Err(DistributedError::invalid(
                "target",
                "not quadratic",
                "the exact law needs a quadratic target (linear regression)",
            ));
        }
        common.validate()?;
        let d = target.dim();
        let graph = common.graph.build(common.agents)?;
        let n = common.agents;
        let mut a = Vec::with_capacity(n);
        let mut b = Vec::with_capacity(n);
        for s in shards(target.n_terms(), n)? {
            let (ai, bi) = s.quadratic(target, d)?;
            a.push(ai);
            b.push(bi);
        }
        let neighbours: Vec<Vec<usize>> = (0..n).map(|i| graph.neighbours(i).to_vec()).collect();
        let primal: Vec<Vec<usize>> = (0..n)
            .map(|i| match method {
                Method::Admm {
                    neighbour_sum: NeighbourSum::Reference,
                    ..
                } => (0..graph.degree(i)).collect(),
                _ => graph.neighbours(i).to_vec(),
            })
            .collect();
        let chol = (0..n)
            .map(|i| match method {
                Method::Admm { rho, .. } => {
                    factor_shifted(&a[i], 2.0 * rho * primal[i].len() as f64, d, i).map(Some)
                }
                _ => Ok(None),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LinearLaw {
            q: method.aux_len(d),
            method: method.clone(),
            common: common.clone(),
            d,
            a,
            b,
            weights: (0..n).map(|i| graph.metropolis_weights(i)).collect(),
            neighbours,
            primal,
            chol,
        })
    }

    fn n(&self) -> usize {
        self.common.agents
    }

    /// Length of the stacked state D = N(d + q).
    pub fn state_len(&self) -> usize {
        self.n() * (self.d + self.q)
    }

    /// The law at iteration 0: `x_i ~ N(0, init_std² I)`, zero duals, unit velocities.
    pub fn initial(&self) -> Moments {
        let (n, d) = (self.n(), self.d);
        let len = self.state_len();
        let mut cov = DMatrix::zeros(len, len);
        let s2 = self.common.init_std * self.common.init_std;
        for i in 0..n * d {
            cov[(i, i)] = s2;
        }
        if let Method::Sghmc { .. } = self.method {
            for i in n * d..len {
                cov[(i, i)] = 1.0;
            }
        }
        Moments {
            mean: DVector::zeros(len),
            cov,
        }
    }

    fn axb(&self, i: usize, x: &[f64], out: &mut [f64], with_b: bool) {
        let d = self.d;
        for r in 0..d {
            let mut s = 0.0;
            for c in 0..d {
                s += self.a[i][r * d + c] * x[c];
            }
            out[r] = s - if with_b { self.b[i][r] } else { 0.0 };
        }
    }

    /// Applies round k (from 1) to state `s` with noise `z` (N·d); `affine` adds the
    /// constant terms (b_i), so that `apply(0, 0, true)` is c_k and
    /// `apply(e_j, 0, false)` is column j of M_k.
    fn apply(&self, k: u64, s: &[f64], z: &[f64], affine: bool) -> Vec<f64> {
        let (n, d, q) = (self.n(), self.d, self.q);
        let x = |i: usize| &s[i * d..(i + 1) * d];
        let aux = |i: usize| &s[n * d + i * q..n * d + (i + 1) * q];
        let zi = |i: usize| &z[i * d..(i + 1) * d];
        let mut out = vec![0.0; s.len()];
        let bsign = if affine { 1.0 } else { 0.0 };
        let mut g = vec![0.0; d];
        match self.method {
            Method::Admm { rho, noise, .. } => {
                for i in 0..n {
                    let m = self.primal[i].len();
                    let sigma = Method::noise_std(rho, noise, m);
                    let mut rhs: Vec<f64> = (0..d)
                        .map(|r| {
                            bsign * self.b[i][r]
                                - aux(i)[r]
                                - 2.0 * rho * m as f64 * sigma * zi(i)[r]
                        })
                        .collect();
                    for &j in &self.primal[i] {
                        for r in 0..d {
                            rhs[r] += rho * (x(i)[r] + x(j)[r]);
                        }
                    }
                    self.chol[i]
                        .as_ref()
                        .expect("built for admm")
                        .solve_in_place(&mut rhs);
                    out[i * d..(i + 1) * d].copy_from_slice(&rhs);
                }
                for i in 0..n {
                    for r in 0..d {
                        let mut p = aux(i)[r];
                        for &j in &self.neighbours[i] {
                            p += rho * (out[i * d + r] - out[j * d + r]);
                        }
                        out[n * d + i * q + r] = p;
                    }
                }
            }
            Method::Sgld { step_size: eta } => {
                for i in 0..n {
                    self.axb(i, x(i), &mut g, affine);
                    let (wii, w) = &self.weights[i];
                    for r in 0..d {
                        let mut v = wii * x(i)[r] - eta * g[r] + (2.0 * eta).sqrt() * zi(i)[r];
                        for (&j, wij) in self.neighbours[i].iter().zip(w) {
                            v += wij * x(j)[r];
                        }
                        out[i * d + r] = v;
                    }
                }
            }
            Method::Sghmc {
                step_size: eta,
                friction: gamma,
            } => {
                for i in 0..n {
                    self.axb(i, x(i), &mut g, affine);
                    let (wii, w) = &self.weights[i];
                    for r in 0..d {
                        let v = aux(i)[r] - eta * (gamma * aux(i)[r] + g[r])
                            + (2.0 * gamma * eta).sqrt() * zi(i)[r];
                        out[n * d + i * q + r] = v;
                        let mut xn = wii * x(i)[r] + eta * v;
                        for (&j, wij) in self.neighbours[i].iter().zip(w) {
                            xn += wij * x(j)[r];
                        }
                        out[i * d + r] = xn;
                    }
                }
            }
            Method::Ula {
                alpha0,
                beta0,
                b1,
                b2,
                delta1,
                delta2,
            } => {
                let k0 = (k - 1) as f64;
                let alpha = alpha0 / (b1 + k0).powf(delta2);
                let beta = beta0 / (b2 + k0).powf(delta1);
                let nn = n as f64;
                for i in 0..n {
                    self.axb(i, x(i), &mut g, affine);
                    for r in 0..d {
                        let mut lap = 0.0;
                        for &j in &self.neighbours[i] {
                            lap += x(i)[r] - x(j)[r];
                        }
                        out[i * d + r] = x(i)[r] - beta * lap - alpha * nn * g[r]
                            + (2.0 * alpha * nn).sqrt() * zi(i)[r];
                    }
                }
            }
        }
        out
    }

    /// `(M_k, c_k, G_k)` of round k.
    pub fn map(&self, k: u64) -> (DMatrix<f64>, DVector<f64>, DMatrix<f64>) {
        let len = self.state_len();
        let nz = self.n() * self.d;
        let zero_s = vec![0.0; len];
        let zero_z = vec![0.0; nz];
        let c = DVector::from_vec(self.apply(k, &zero_s, &zero_z, true));
        let mut m = DMatrix::zeros(len, len);
        let mut e = vec![0.0; len];
        for j in 0..len {
            e[j] = 1.0;
            let col = self.apply(k, &e, &zero_z, false);
            e[j] = 0.0;
            for (r, v) in col.into_iter().enumerate() {
                m[(r, j)] = v;
            }
        }
        let mut g = DMatrix::zeros(len, nz);
        let mut ez = vec![0.0; nz];
        for j in 0..nz {
            ez[j] = 1.0;
            let col = self.apply(k, &zero_s, &ez, false);
            ez[j] = 0.0;
            for (r, v) in col.into_iter().enumerate() {
                g[(r, j)] = v;
            }
        }
        (m, c, g)
    }

    /// The law after round k from the law after round k − 1.
    pub fn step(&self, k: u64, law: &Moments) -> Moments {
        let (m, c, g) = self.map(k);
        Moments {
            mean: &m * &law.mean + c,
            cov: &m * &law.cov * m.transpose() + &g * g.transpose(),
        }
    }

    /// The laws after rounds 1..=iterations.
    pub fn trajectory(&self, iterations: u64) -> Vec<Moments> {
        let mut law = self.initial();
        (1..=iterations)
            .map(|k| {
                law = self.step(k, &law);
                law.clone()
            })
            .collect()
    }

    /// The stationary law of a time-invariant map (module docs); an error for D-ULA
    /// with decaying steps or a map that does not converge.
    pub fn stationary(&self) -> Result<Moments, DistributedError> {
        if let Method::Ula { delta1, delta2, .. } = self.method
            && (delta1 > 0.0 || delta2 > 0.0)
        {
            return Err(DistributedError::invalid(
                "delta1/delta2",
                format!("{delta1}/{delta2}"),
                "D-ULA's steps decay: it has no stationary law",
            ));
        }
        let (m, c, g) = self.map(1);
        let init = self.initial();
        // D-ADMMS conserves Σ_i p_i (module docs), an eigenvalue 1 of M on which
        // rounding would grow under doubling: iterate on the invariant subspace
        // Σ_i p_i = 0 instead, in the coordinates (x, p_1, …, p_{N−1}).
        let (e, r) = self.reduction();
        let m = &r * &m * &e;
        let c = &r * c;
        let g = &r * g;
        let m0 = &r * &init.mean;
        let s0 = &r * &init.cov * r.transpose();
        let mut mn = m;
        let mut h = c;
        let mut qn = &g * g.transpose();
        let mut converged = false;
        for _ in 0..60 {
            let h2 = &h + &mn * &h;
            let q2 = &qn + &mn * &qn * mn.transpose();
            let q2 = (&q2 + q2.transpose()) * 0.5;
            let change = ((&q2 - &qn).norm() / q2.norm().max(1e-300))
                .max((&h2 - &h).norm() / h2.norm().max(1.0));
            h = h2;
            qn = q2;
            mn = &mn * &mn;
            if !mn.iter().all(|v| v.is_finite()) || mn.norm() > 1e12 {
                return Err(DistributedError::invalid(
                    "rho/step_size",
                    "unstable",
                    "the recursion diverges: no stationary law",
                ));
            }
            if change < 1e-13 && mn.norm() < 1e-13 {
                converged = true;
                break;
            }
        }
        if !converged {
            return Err(DistributedError::invalid(
                "rho/step_size",
                "slow",
                "the recursion has not reached its stationary law after 2⁶⁰ rounds",
            ));
        }
        let mean = &e * (&mn * m0 + h);
        let cov = &e * (&mn * s0 * mn.transpose() + qn) * e.transpose();
        Ok(Moments {
            cov: (&cov + cov.transpose()) * 0.5,
            mean,
        })
    }

    /// The embedding E (reduced → full) and restriction R (full → reduced) of the
    /// invariant subspace (see [`LinearLaw::stationary`]); identities for the methods
    /// without a conserved quantity.
    fn reduction(&self) -> (DMatrix<f64>, DMatrix<f64>) {
        let len = self.state_len();
        if !matches!(self.method, Method::Admm { .. }) {
            return (DMatrix::identity(len, len), DMatrix::identity(len, len));
        }
        let (n, d) = (self.n(), self.d);
        let red = len - d;
        let mut e = DMatrix::zeros(len, red);
        for j in 0..red {
            e[(j, j)] = 1.0;
        }
        // p_N = −Σ_{i<N} p_i, coordinate-wise.
        let base = n * d;
        for i in 0..n - 1 {
            for r in 0..d {
                e[(base + (n - 1) * d + r, base + i * d + r)] = -1.0;
            }
        }
        let mut r = DMatrix::zeros(red, len);
        for j in 0..red {
            r[(j, j)] = 1.0;
        }
        (e, r)
    }

    /// Agent i's marginal (mean d, covariance d × d row-major) from a stacked law.
    pub fn agent(&self, law: &Moments, i: usize) -> (Vec<f64>, Vec<f64>) {
        let d = self.d;
        let mean = (0..d).map(|r| law.mean[i * d + r]).collect();
        let mut cov = vec![0.0; d * d];
        for r in 0..d {
            for c in 0..d {
                cov[r * d + c] = law.cov[(i * d + r, i * d + c)];
            }
        }
        (mean, cov)
    }

    /// The law of the average over agents `(1/N) Σ_i x_i`.
    pub fn average(&self, law: &Moments) -> (Vec<f64>, Vec<f64>) {
        let (n, d) = (self.n(), self.d);
        let mut mean = vec![0.0; d];
        let mut cov = vec![0.0; d * d];
        for i in 0..n {
            for r in 0..d {
                mean[r] += law.mean[i * d + r] / n as f64;
            }
            for j in 0..n {
                for r in 0..d {
                    for c in 0..d {
                        cov[r * d + c] += law.cov[(i * d + r, j * d + c)] / (n * n) as f64;
                    }
                }
            }
        }
        (mean, cov)
    }
}
