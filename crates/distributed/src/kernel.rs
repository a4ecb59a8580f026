//! The decentralized samplers as a population kernel: C chains ("trials" in the
//! paper), each a whole network of N agents, advanced one synchronous round per step.
//!
//! **State.** For each agent this process holds (all of them in process, a block
//! under MPI): every chain's position `x_i` (C × d), auxiliary state (dual or
//! velocity), stream, and the inbox of its sources' positions from the last exchange.
//! Agent i's chain c draws from the stream `(seed ⊕ AGENT_SALT, i·C + c)`: its initial
//! position `x_i⁰ ~ N(0, init_std² I)` first, then its noise; so the output does not
//! depend on threads or on how agents are split over processes.
//!
//! **A round** (step k): every local agent updates all of its chains from its inbox
//! ([`Method::update`], in parallel over agents), then the network delivers every
//! agent's new positions to its readers; the initial positions are exchanged in
//! `init`. After the last round the reported positions are gathered: agent `agent`'s
//! chains, or the average over agents. The schedule is fixed (`iterations` steps) and
//! only the last step is kept.

use crate::DistributedError;
use crate::config::{Common, Output};
use crate::graph::Graph;
use crate::method::{Agent, Method, QuadraticPlan, Scratch};
use crate::network::{InProcess, Network, Routes, Traffic};
use crate::shard::shards;
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, fill_standard_normal, stream};
use sampo_core::{
    CoreError, EvalCounts, FiniteSumTarget, Particles, PopulationKernel, RunConfig, StepInfo,
};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Salt of the agents' streams.
pub const AGENT_SALT: u64 = 0xD15_7A1E;

/// The kernel over a target `T` (usually the counted finite-sum view).
pub struct Decentralized<'t, T: FiniteSumTarget + ?Sized> {
    target: &'t T,
    method: Method,
    common: Common,
    graph: Graph,
    agents: Vec<Agent>,
    routes: Routes,
    network: Mutex<Box<dyn Network + 't>>,
    chains: usize,
    quadratic: bool,
}

/// The population (module docs); `x`, `aux`, `rngs` and `inbox` hold the local
/// agents only, agent-major.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistState {
    /// Positions, local agents × C × d.
    pub x: Vec<f64>,
    /// Duals or velocities, local agents × C × q.
    pub aux: Vec<f64>,
    /// Streams, local agents × C.
    pub rngs: Vec<StreamRng>,
    /// Sources' positions, (Σ sources) × C × d.
    pub inbox: Vec<f64>,
    /// D-ADMMS's quadratic plans, per local agent (empty otherwise).
    pub plans: Vec<QuadraticPlan>,
    /// The reported positions, C × d (after the last round).
    pub reported: Vec<f64>,
}

/// One round's cost and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundInfo {
    /// Data terms touched by all agents and chains.
    pub evaluations: EvalCounts,
    /// Bytes the network moved between agents in this round (this process's agents'
    /// reads).
    pub bytes: u64,
    /// Bytes this process sent to other processes in this round (0 in process).
    pub wire_bytes: u64,
    /// The largest last Newton decrement of the round's proximal solves (0 without;
    /// below [`crate::prox::TOLERANCE`], or the round failed).
    pub decrement: f64,
}

impl StepInfo for RoundInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("bytes_per_round", self.bytes as f64);
        visit("wire_bytes_per_round", self.wire_bytes as f64);
        if self.decrement > 0.0 {
            visit("newton_decrement", self.decrement);
        }
    }
}

impl<'t, T: FiniteSumTarget + ?Sized> Decentralized<'t, T> {
    /// The kernel in one process ([`InProcess`]), C = `chains`.
    pub fn new(
        target: &'t T,
        method: Method,
        common: Common,
        chains: usize,
    ) -> Result<Self, DistributedError> {
        Self::with_network(target, method, common, chains, |routes| {
            Ok(Box::new(InProcess::new(routes)))
        })
    }

    /// The kernel on a network built from its routes (the MPI backend's entry).
    pub fn with_network(
        target: &'t T,
        method: Method,
        common: Common,
        chains: usize,
        network: impl FnOnce(Routes) -> Result<Box<dyn Network + 't>, DistributedError>,
    ) -> Result<Self, DistributedError> {
        common.validate()?;
        if chains == 0 {
            return Err(DistributedError::invalid("n", 0, "must be >= 1"));
        }
        let graph = common.graph.build(common.agents)?;
        let agents: Vec<Agent> = shards(target.n_terms(), common.agents)?
            .into_iter()
            .enumerate()
            .map(|(i, s)| method.agent(&graph, s, i))
            .collect();
        let routes = Routes::new(agents.iter().map(|a| a.sources.clone()).collect());
        let network = network(routes.clone())?;
        Ok(Decentralized {
            quadratic: target.is_quadratic(),
            target,
            method,
            common,
            graph,
            agents,
            routes,
            network: Mutex::new(network),
            chains,
        })
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The agents' views.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// A step-limited run of the whole schedule, keeping the last step.
    pub fn run_config(&self, seed: u64) -> RunConfig {
        let k = self.common.iterations;
        let mut rc = RunConfig::new(self.chains, 0, k, seed);
        rc.thin = k;
        rc.segment = 1;
        rc
    }

    /// Data terms per chain per round (all agents), where they are fixed
    /// ([`Method::terms_per_iteration`]).
    pub fn terms_per_round(&self) -> Option<u64> {
        self.agents
            .iter()
            .map(|a| self.method.terms_per_iteration(a, self.quadratic))
            .sum()
    }

    /// Data terms the run spends once, in `init` (D-ADMMS's quadratic plans: a
    /// Hessian and a gradient pass over every shard).
    pub fn setup_terms(&self) -> u64 {
        match (&self.method, self.quadratic) {
            (Method::Admm { .. }, true) => 2 * self.target.n_terms() as u64,
            _ => 0,
        }
    }

    /// What the network has moved.
    pub fn traffic(&self) -> Traffic {
        self.network.lock().map(|n| n.traffic()).unwrap_or_default()
    }

    fn local(&self) -> std::ops::Range<usize> {
        self.network
            .lock()
            .map(|n| n.local())
            .unwrap_or(0..self.agents.len())
    }

    /// One exchange; returns the bytes moved between agents and sent over the wire.
    fn exchange(&self, st: &mut DistState, round: u64) -> Result<(u64, u64), DistributedError> {
        let m = self.chains * self.target.dim();
        let mut net = self.network.lock().map_err(|_| DistributedError::Network {
            round,
            reason: "the network lock was poisoned by a panic".into(),
        })?;
        let before = net.traffic();
        net.exchange(m, &st.x, &mut st.inbox)?;
        let after = net.traffic();
        Ok((
            after.bytes - before.bytes,
            after.wire_bytes - before.wire_bytes,
        ))
    }

    /// All agents' positions (N × C × d) on this process.
    pub fn gather_all(&self, st: &DistState) -> Result<Vec<f64>, DistributedError> {
        let m = self.chains * self.target.dim();
        let mut all = vec![0.0; self.agents.len() * m];
        let mut net = self.network.lock().map_err(|_| DistributedError::Network {
            round: 0,
            reason: "the network lock was poisoned by a panic".into(),
        })?;
        net.gather(m, &st.x, &mut all)?;
        Ok(all)
    }

    fn report(&self, st: &mut DistState) -> Result<(), DistributedError> {
        let d = self.target.dim();
        let m = self.chains * d;
        let all = self.gather_all(st)?;
        st.reported = match self.common.output {
            Output::Agent => all[self.common.agent * m..(self.common.agent + 1) * m].to_vec(),
            Output::Average => {
                let mut avg = vec![0.0; m];
                for block in all.chunks_exact(m) {
                    for (a, v) in avg.iter_mut().zip(block) {
                        *a += v;
                    }
                }
                let n = self.agents.len() as f64;
                avg.iter_mut().for_each(|a| *a /= n);
                avg
            }
        };
        Ok(())
    }

    /// Builds the population and exchanges the initial positions (round 0).
    pub fn start(&self, seed: u64) -> Result<(DistState, EvalCounts), DistributedError> {
        let d = self.target.dim();
        let (c, q) = (self.chains, self.method.aux_len(d));
        let local = self.local();
        let nl = local.len();
        let mut x = vec![0.0; nl * c * d];
        let qq = q.max(1);
        let mut aux = vec![0.0; nl * c * qq];
        let mut rngs = Vec::with_capacity(nl * c);
        for (li, a) in local.clone().enumerate() {
            for ch in 0..c {
                let mut r = stream(seed ^ AGENT_SALT, (a * c + ch) as u64);
                let xi = &mut x[(li * c + ch) * d..(li * c + ch + 1) * d];
                fill_standard_normal(&mut r, xi);
                xi.iter_mut().for_each(|v| *v *= self.common.init_std);
                let at = (li * c + ch) * qq;
                self.method.init_aux(&mut r, &mut aux[at..at + q]);
                rngs.push(r);
            }
        }
        let mut plans = Vec::new();
        for a in local.clone() {
            if let Some(p) = self.method.plan(self.target, &self.agents[a])? {
                plans.push(p);
            }
        }
        let inbox = vec![0.0; self.routes.incoming_len(&local) * c * d];
        let mut st = DistState {
            x,
            aux,
            rngs,
            inbox,
            plans,
            reported: vec![0.0; c * d],
        };
        self.exchange(&mut st, 0)?;
        let spent = if plans_built(&st) {
            2 * local
                .map(|a| self.agents[a].shard.len() as u64)
                .sum::<u64>()
        } else {
            0
        };
        Ok((
            st,
            EvalCounts {
                data_terms: spent,
                ..EvalCounts::ZERO
            },
        ))
    }

    /// Round k (from 1): every local agent's update, then the exchange.
    pub fn round(&self, st: &mut DistState, k: u64) -> Result<RoundInfo, DistributedError> {
        let d = self.target.dim();
        let (c, q) = (self.chains, self.method.aux_len(d));
        let local = self.local();
        let n = self.agents.len();
        let offsets: Vec<usize> = local
            .clone()
            .map(|a| self.routes.offset(&local, a))
            .collect();
        let inbox = &st.inbox;
        let plans = &st.plans;
        let results: Vec<Result<(u64, f64), DistributedError>> = st
            .x
            .par_chunks_mut(c * d)
            .zip(st.aux.par_chunks_mut(c * q.max(1)))
            .zip(st.rngs.par_chunks_mut(c))
            .enumerate()
            .map(|(li, ((xa, auxa), ra))| {
                let a = local.start + li;
                let agent = &self.agents[a];
                let plan = plans.get(li);
                let base = offsets[li];
                let mut scratch = Scratch::new(d);
                let (mut terms, mut dec) = (0u64, 0f64);
                for ch in 0..c {
                    let src = |s: usize| {
                        let at = ((base + s) * c + ch) * d;
                        &inbox[at..at + d]
                    };
                    // One float per chain is kept even when q = 0, so that the
                    // chunks line up with the agents.
                    let qq = q.max(1);
                    let aux = &mut auxa[ch * qq..ch * qq + q];
                    let spent = self
                        .method
                        .update(
                            self.target,
                            agent,
                            plan,
                            n,
                            k,
                            &mut xa[ch * d..(ch + 1) * d],
                            aux,
                            src,
                            &mut ra[ch],
                            &mut scratch,
                        )
                        .map_err(|e| match e {
                            DistributedError::Core(CoreError::Diverged {
                                step, reason, ..
                            }) => DistributedError::Core(CoreError::Diverged {
                                step,
                                chain: ch,
                                reason,
                            }),
                            other => other,
                        })?;
                    if !spent.converged {
                        return Err(DistributedError::Prox {
                            agent: a,
                            chain: ch,
                            iteration: k,
                            decrement: spent.decrement,
                        });
                    }
                    terms += spent.data_terms;
                    dec = dec.max(spent.decrement);
                }
                Ok((terms, dec))
            })
            .collect();
        let (mut terms, mut decrement) = (0u64, 0f64);
        for r in results {
            let (t, dd) = r?;
            terms += t;
            decrement = decrement.max(dd);
        }
        let (bytes, wire_bytes) = self.exchange(st, k)?;
        if k == self.common.iterations {
            self.report(st)?;
        }
        Ok(RoundInfo {
            evaluations: EvalCounts {
                data_terms: terms,
                ..EvalCounts::ZERO
            },
            bytes,
            wire_bytes,
            decrement,
        })
    }
}

fn plans_built(st: &DistState) -> bool {
    !st.plans.is_empty()
}

impl<T: FiniteSumTarget + ?Sized> PopulationKernel for Decentralized<'_, T> {
    type State = DistState;
    type Info = RoundInfo;

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &Particles, seed: u64) -> Result<(DistState, EvalCounts), CoreError> {
        if x0.len() != self.chains {
            return Err(CoreError::dim(
                "chains (one per output sample)",
                self.chains,
                x0.len(),
            ));
        }
        Ok(self.start(seed)?)
    }

    fn step(&self, st: &mut DistState, step: u64) -> Result<RoundInfo, CoreError> {
        Ok(self.round(st, step)?)
    }

    fn positions<'s>(&self, st: &'s DistState) -> &'s [f64] {
        &st.reported
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.common.iterations)
    }
}
