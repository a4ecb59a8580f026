//! The per-agent, per-chain updates of D-ADMMS and the decentralized Langevin
//! baselines (samplers-b.md §3.3–3.4), written against one agent's view: its own
//! state, its sources' positions from the last exchange, its stream.

// Index loops over coordinates mirror the update equations they implement.
#![allow(clippy::needless_range_loop)]

use crate::DistributedError;
use crate::config::{AdmmConfig, NeighbourSum, Noise, SghmcConfig, SgldConfig, UlaConfig};
use crate::graph::Graph;
use crate::prox::{self, NewtonScratch};
use crate::shard::Shard;
use sampo_core::FiniteSumTarget;
use sampo_core::rng::{StreamRng, fill_standard_normal};
use sampo_targets::linalg::Cholesky;
use serde::{Deserialize, Serialize};

/// A sampler's update rule and its constants.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// D-ADMMS / ADMM.
    Admm {
        /// ρ.
        rho: f64,
        /// The proximal noise.
        noise: Noise,
        /// Which agents the primal step sums over.
        neighbour_sum: NeighbourSum,
        /// Newton steps allowed per proximal solve on a non-quadratic target.
        max_newton_steps: usize,
    },
    /// D-SGLD.
    Sgld {
        /// η.
        step_size: f64,
    },
    /// D-SGHMC.
    Sghmc {
        /// η.
        step_size: f64,
        /// γ.
        friction: f64,
    },
    /// D-ULA.
    Ula {
        /// α₀, β₀, b₁, b₂, δ₁, δ₂.
        alpha0: f64,
        /// β₀.
        beta0: f64,
        /// b₁.
        b1: f64,
        /// b₂.
        b2: f64,
        /// δ₁.
        delta1: f64,
        /// δ₂.
        delta2: f64,
    },
}

impl From<&AdmmConfig> for Method {
    fn from(c: &AdmmConfig) -> Self {
        Method::Admm {
            rho: c.rho,
            noise: c.noise,
            neighbour_sum: c.neighbour_sum,
            max_newton_steps: c.max_newton_steps,
        }
    }
}
impl From<&SgldConfig> for Method {
    fn from(c: &SgldConfig) -> Self {
        Method::Sgld {
            step_size: c.step_size,
        }
    }
}
impl From<&SghmcConfig> for Method {
    fn from(c: &SghmcConfig) -> Self {
        Method::Sghmc {
            step_size: c.step_size,
            friction: c.friction,
        }
    }
}
impl From<&UlaConfig> for Method {
    fn from(c: &UlaConfig) -> Self {
        Method::Ula {
            alpha0: c.alpha0,
            beta0: c.beta0,
            b1: c.b1,
            b2: c.b2,
            delta1: c.delta1,
            delta2: c.delta2,
        }
    }
}

/// What agent i knows of the network: its shard, whom it reads, and (for the
/// baselines) its mixing weights. Indices are into its source list.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// The agent's index.
    pub id: usize,
    /// Its data.
    pub shard: Shard,
    /// The agents it reads, sorted (the exchange delivers them in this order).
    pub sources: Vec<usize>,
    /// Positions of its true neighbours in `sources`.
    pub neighbours: Vec<usize>,
    /// Positions of the agents of its primal sum in `sources` (D-ADMMS).
    pub primal: Vec<usize>,
    /// `W_ii` and `W_ij` per neighbour (the baselines).
    pub weights: (f64, Vec<f64>),
}

/// An agent's precomputed proximal operator for a quadratic target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuadraticPlan {
    /// `A_i + 2ρ m_i I`, factorized.
    pub chol: Cholesky,
    /// `b_i`.
    pub b: Vec<f64>,
}

/// Per-chain scratch of an agent's update.
#[derive(Debug, Clone)]
pub struct Scratch {
    grad: Vec<f64>,
    noise: Vec<f64>,
    sum: Vec<f64>,
    out: Vec<f64>,
    newton: NewtonScratch,
}

impl Scratch {
    /// Scratch for dimension d.
    pub fn new(d: usize) -> Self {
        Scratch {
            grad: vec![0.0; d],
            noise: vec![0.0; d],
            sum: vec![0.0; d],
            out: vec![0.0; d],
            newton: NewtonScratch::new(d),
        }
    }
}

/// The result of one chain's update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spent {
    /// Data terms touched.
    pub data_terms: u64,
    /// The last Newton decrement of a non-quadratic proximal solve (0 otherwise).
    pub decrement: f64,
    /// Whether that solve converged (true without one).
    pub converged: bool,
}

impl Method {
    /// The registry kind's label, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Admm { .. } => "admm",
            Method::Sgld { .. } => "d-sgld",
            Method::Sghmc { .. } => "d-sghmc",
            Method::Ula { .. } => "d-ula",
        }
    }

    /// Auxiliary floats per chain: the dual `p_i` (D-ADMMS) or the velocity (D-SGHMC).
    pub fn aux_len(&self, d: usize) -> usize {
        match self {
            Method::Admm { .. } | Method::Sghmc { .. } => d,
            Method::Sgld { .. } | Method::Ula { .. } => 0,
        }
    }

    /// Initial auxiliary state of one chain: zero duals; SGHMC velocities `v⁰ ~ N(0, I)`.
    pub fn init_aux(&self, rng: &mut StreamRng, aux: &mut [f64]) {
        match self {
            Method::Sghmc { .. } => fill_standard_normal(rng, aux),
            _ => aux.iter_mut().for_each(|a| *a = 0.0),
        }
    }

    /// The agents in agent i's primal sum: its neighbours, or agents 0..d_i − 1 with
    /// the reference code's indexing.
    fn primal_set(&self, graph: &Graph, i: usize) -> Vec<usize> {
        match self {
            Method::Admm {
                neighbour_sum: NeighbourSum::Reference,
                ..
            } => (0..graph.degree(i)).collect(),
            _ => graph.neighbours(i).to_vec(),
        }
    }

    /// Agent i's view of the network.
    pub fn agent(&self, graph: &Graph, shard: Shard, i: usize) -> Agent {
        let primal = self.primal_set(graph, i);
        let mut sources: Vec<usize> = graph.neighbours(i).to_vec();
        sources.extend(&primal);
        sources.sort_unstable();
        sources.dedup();
        let at = |j: &usize| sources.binary_search(j).expect("a source by construction");
        Agent {
            id: i,
            shard,
            neighbours: graph.neighbours(i).iter().map(at).collect(),
            primal: primal.iter().map(at).collect(),
            weights: graph.metropolis_weights(i),
            sources,
        }
    }

    /// D-ADMMS's per-agent plan on a quadratic target (two passes over the shard);
    /// `None` for other methods or targets.
    pub fn plan<T: FiniteSumTarget + ?Sized>(
        &self,
        t: &T,
        agent: &Agent,
    ) -> Result<Option<QuadraticPlan>, DistributedError> {
        let Method::Admm { rho, .. } = self else {
            return Ok(None);
        };
        if !t.is_quadratic() {
            return Ok(None);
        }
        let d = t.dim();
        let (a, b) = agent.shard.quadratic(t, d)?;
        let chol =
            crate::shard::factor_shifted(&a, 2.0 * rho * agent.primal.len() as f64, d, agent.id)?;
        Ok(Some(QuadraticPlan { chol, b }))
    }

    /// Data terms one chain of `agent` touches per iteration, where the config and
    /// the target fix them: `None` for D-ADMMS's Newton solves, whose steps depend
    /// on the data.
    pub fn terms_per_iteration(&self, agent: &Agent, quadratic: bool) -> Option<u64> {
        let n = agent.shard.len() as u64;
        match self {
            Method::Admm { .. } => quadratic.then_some(0),
            _ => Some(n),
        }
    }

    /// The std of D-ADMMS's noise ξ_i for an agent with m terms in its primal sum.
    pub fn noise_std(rho: f64, noise: Noise, m: usize) -> f64 {
        match noise {
            Noise::Paper => 1.0 / (std::f64::consts::SQRT_2 * rho),
            Noise::Calibrated if m > 0 => 1.0 / (rho * m as f64).sqrt(),
            Noise::Calibrated | Noise::None => 0.0,
        }
    }

    /// Iteration k (from 1) of one chain of `agent`: `x` and `aux` are its state,
    /// `src(s)` the position of its s-th source after the last exchange. `agents` is N.
    #[allow(clippy::too_many_arguments)]
    pub fn update<'a, T: FiniteSumTarget + ?Sized>(
        &self,
        t: &T,
        agent: &Agent,
        plan: Option<&QuadraticPlan>,
        agents: usize,
        k: u64,
        x: &mut [f64],
        aux: &mut [f64],
        src: impl Fn(usize) -> &'a [f64],
        rng: &mut StreamRng,
        s: &mut Scratch,
    ) -> Result<Spent, DistributedError> {
        let d = x.len();
        let mut spent = Spent {
            data_terms: 0,
            decrement: 0.0,
            converged: true,
        };
        match *self {
            Method::Admm {
                rho,
                noise,
                max_newton_steps,
                ..
            } => {
                let p = aux;
                // The dual step of the previous iteration, with the positions it
                // produced (now in the inbox): p ← p + ρ Σ_{j∈N_i} (x_i − x_j).
                if k > 1 {
                    for &j in &agent.neighbours {
                        let xj = src(j);
                        for a in 0..d {
                            p[a] += rho * (x[a] - xj[a]);
                        }
                    }
                }
                let m = agent.primal.len();
                let sigma = Self::noise_std(rho, noise, m);
                fill_standard_normal(rng, &mut s.noise);
                // 2ρS = 2ρ Σ_j (½(x_i + x_j) − ξ_i).
                s.sum.iter_mut().for_each(|v| *v = 0.0);
                for &j in &agent.primal {
                    let xj = src(j);
                    for a in 0..d {
                        s.sum[a] += rho * (x[a] + xj[a]) - 2.0 * rho * sigma * s.noise[a];
                    }
                }
                match plan {
                    Some(q) => prox::quadratic(&q.chol, &q.b, p, &s.sum, &mut s.out),
                    None => {
                        s.out.copy_from_slice(x);
                        let solve = prox::newton(
                            &agent.shard,
                            t,
                            p,
                            2.0 * rho * m as f64,
                            &s.sum,
                            max_newton_steps,
                            &mut s.out,
                            &mut s.newton,
                        )?;
                        spent.decrement = solve.decrement;
                        spent.converged = solve.converged();
                        spent.data_terms = 2 * solve.steps as u64 * agent.shard.len() as u64;
                    }
                }
                x.copy_from_slice(&s.out);
            }
            Method::Sgld { step_size: eta } => {
                agent.shard.value_grad(t, x, &mut s.grad);
                spent.data_terms = agent.shard.len() as u64;
                fill_standard_normal(rng, &mut s.noise);
                let c = (2.0 * eta).sqrt();
                mix(agent, x, &src, &mut s.out);
                for a in 0..d {
                    x[a] = s.out[a] - eta * s.grad[a] + c * s.noise[a];
                }
            }
            Method::Sghmc {
                step_size: eta,
                friction: gamma,
            } => {
                let v = aux;
                agent.shard.value_grad(t, x, &mut s.grad);
                spent.data_terms = agent.shard.len() as u64;
                fill_standard_normal(rng, &mut s.noise);
                let c = (2.0 * gamma * eta).sqrt();
                for a in 0..d {
                    v[a] += -eta * (gamma * v[a] + s.grad[a]) + c * s.noise[a];
                }
                mix(agent, x, &src, &mut s.out);
                for a in 0..d {
                    x[a] = s.out[a] + eta * v[a];
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
                let n = agents as f64;
                agent.shard.value_grad(t, x, &mut s.grad);
                spent.data_terms = agent.shard.len() as u64;
                fill_standard_normal(rng, &mut s.noise);
                let c = (2.0 * alpha * n).sqrt();
                s.sum.iter_mut().for_each(|v| *v = 0.0);
                for &j in &agent.neighbours {
                    let xj = src(j);
                    for a in 0..d {
                        s.sum[a] += x[a] - xj[a];
                    }
                }
                for a in 0..d {
                    x[a] += -beta * s.sum[a] - alpha * n * s.grad[a] + c * s.noise[a];
                }
            }
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(DistributedError::Core(sampo_core::CoreError::Diverged {
                step: k,
                chain: 0,
                reason: format!(
                    "{}: agent {} reached a non-finite position (step size too large?)",
                    self.name(),
                    agent.id
                ),
            }));
        }
        Ok(spent)
    }
}

/// `out = W_ii x_i + Σ_j W_ij x_j` (Metropolis weights).
fn mix<'a>(agent: &Agent, x: &[f64], src: &impl Fn(usize) -> &'a [f64], out: &mut [f64]) {
    let (wii, w) = &agent.weights;
    for (o, xi) in out.iter_mut().zip(x) {
        *o = wii * xi;
    }
    for (&j, wij) in agent.neighbours.iter().zip(w) {
        for (o, xj) in out.iter_mut().zip(src(j)) {
            *o += wij * xj;
        }
    }
}
