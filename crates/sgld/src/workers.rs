//! DSGLD and FSGLD on workers over a [`Network`] (Ahn, Shahbaba & Welling 2014, §3:
//! the data stay on their workers and the chains travel; El Mekkaoui et al. 2021:
//! the surrogates are shared once).
//!
//! **Layout.** Shard s lives on agent s of the network (S agents; under MPI, blocks
//! of agents per rank, [`sampo_distributed::mpi_net`]). The population is C
//! [`Sgld`] chains; chain c draws from the stream `(seed, c)` as an independent chain
//! of the runner would, and starts on the shard [`Sgld::init_chain`] gives it
//! (round-robin: `c mod S`, so the chains are spread evenly over the workers). A
//! process holds the chains visiting its agents and advances them in parallel.
//!
//! **A step** is one SGLD step of every chain on its current shard. Every visit
//! lasts τ = `local_steps` steps and all start together, so all visits end after
//! the same steps k = τ, 2τ, …; a chain has then chosen its next shard, and one
//! exchange moves every chain to it: agent s posts the chains it holds (K slots of
//! `5 + d + 4` floats: a presence flag, the chain's index, the schedule's t, the next
//! shard and the steps left, the position, and the 256-bit state of the chain's
//! stream, bit for bit), and each agent takes the chains addressed to it from its
//! sources. Round-robin visits move the population as a whole around the ring: each
//! agent reads its predecessor, and holds at most K = ⌈C/S⌉ chains at any time;
//! categorical visits may send every chain to one agent: each reads every agent, and
//! K = C. After a kept step of the run's plan the positions are gathered (K slots of
//! `2 + d` floats per agent), so that every process reports the whole population. A chain's draws therefore do not
//! depend on where it ran: the output is bit-identical in process and over MPI, for
//! any thread count.
//!
//! **FSGLD.** Each process fits its agents' surrogates
//! ([`crate::surrogate::fit_over`]), then one gather shares every shard's (b_s, Λ_s)
//! (d + d² floats), so every process builds the same conducive terms.
//!
//! **Cost.** Each process counts the data terms of its own chains' steps and fits
//! ([`Workers::sum_counts`] adds them up); the network reports the bytes it moved
//! (`bytes_per_round`, `wire_bytes_per_round`: means over the steps).
//!
//! **Failure.** A chain that diverges ends the run with an error on the process that
//! holds it; under MPI the other ranks then stop at their next exchange and end the
//! job after the network's deadline (the MPI backend's failure rule).

use crate::config::{DsgldConfig, FsgldConfig, Visits};
use crate::sgld::{Sgld, SgldState};
use crate::surrogate::{self, Conducive, FitSettings};
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, stream};
use sampo_core::{
    CoreError, EvalCounts, FiniteSumTarget, Kernel, Particles, PopulationKernel, RunConfig,
    StepInfo,
};
use sampo_distributed::DistributedError;
use sampo_distributed::network::{Network, Routes};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Floats of a travelling chain besides its position: presence flag, chain index,
/// t, shard, left before it, the stream's four words after it.
const SLOT_HEADER: usize = 5;
/// The stream's state words.
const RNG_WORDS: usize = 4;

/// DSGLD or FSGLD on a network of S workers (module docs).
pub struct Workers<'n, T: FiniteSumTarget> {
    kernel: Sgld<T>,
    network: Mutex<Box<dyn Network + 'n>>,
    /// Steps after which the positions are gathered: the run's plan.
    warmup: u64,
    thin: u64,
    chains: usize,
}

/// A chain on one of this process's workers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Held {
    /// The chain's index c.
    pub chain: usize,
    /// The agent (shard) it is on.
    pub worker: usize,
    state: SgldState,
    rng: StreamRng,
}

/// The population (module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkersState {
    /// The chains on this process's workers, by chain index.
    pub held: Vec<Held>,
    /// Every chain's position after the last kept step (C × d).
    pub reported: Vec<f64>,
}

/// One step's cost and traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkersInfo {
    /// The step h_t.
    pub step_size: f64,
    /// Data terms of this process's chains.
    pub evaluations: EvalCounts,
    /// Bytes moved between agents in this step (exchange and gather).
    pub bytes: u64,
    /// Bytes this process sent to other processes (0 in process).
    pub wire_bytes: u64,
}

impl StepInfo for WorkersInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("step_size", self.step_size);
        visit("bytes_per_round", self.bytes as f64);
        visit("wire_bytes_per_round", self.wire_bytes as f64);
    }
}

/// The agents each worker reads a travelling chain from.
fn routes(shards: usize, visits: Visits) -> Routes {
    Routes::new(
        (0..shards)
            .map(|a| match visits {
                Visits::RoundRobin => vec![(a + shards - 1) % shards],
                Visits::Categorical => (0..shards).collect(),
            })
            .collect(),
    )
}

fn lock_poisoned(step: u64) -> CoreError {
    DistributedError::Network {
        round: step,
        reason: "the network lock was poisoned by a panic".into(),
    }
    .into()
}

/// The stream's state as four words (through its serde form, `{ "s": [u64; 4] }`).
fn rng_words(rng: &StreamRng) -> Result<[u64; RNG_WORDS], CoreError> {
    let bad = |e: String| CoreError::invalid("stream", "state", e);
    let value = serde_json::to_value(rng).map_err(|e| bad(e.to_string()))?;
    serde_json::from_value::<RngWords>(value)
        .map(|w| w.s)
        .map_err(|e| bad(e.to_string()))
}

fn rng_from_words(s: [u64; RNG_WORDS]) -> Result<StreamRng, CoreError> {
    let value = serde_json::to_value(RngWords { s })
        .map_err(|e| CoreError::invalid("stream", "state", e.to_string()))?;
    serde_json::from_value(value).map_err(|e| CoreError::invalid("stream", "state", e.to_string()))
}

#[derive(Serialize, Deserialize)]
struct RngWords {
    s: [u64; RNG_WORDS],
}

impl<'n, T: FiniteSumTarget> Workers<'n, T> {
    /// DSGLD on the network `network` builds from the workers' routes.
    pub fn dsgld(
        target: T,
        config: DsgldConfig,
        network: impl FnOnce(Routes) -> Result<Box<dyn Network + 'n>, DistributedError>,
    ) -> Result<Self, CoreError> {
        let kernel = Sgld::dsgld(target, config.clone())?;
        let net = network(routes(config.shards, config.visits))?;
        Ok(Workers {
            kernel,
            network: Mutex::new(net),
            warmup: 0,
            thin: 1,
            chains: 1,
        })
    }

    /// FSGLD: DSGLD plus the conducive terms of surrogates fitted on the workers and
    /// shared over the network (module docs; the moment fits' streams derive from
    /// `seed`).
    pub fn fsgld(
        target: T,
        config: FsgldConfig,
        seed: u64,
        network: impl FnOnce(Routes) -> Result<Box<dyn Network + 'n>, DistributedError>,
    ) -> Result<Self, CoreError> {
        config.validate()?;
        let mut w = Workers::dsgld(target, config.dsgld(), network)?;
        let settings = FitSettings {
            step_size: config.step_size,
            batch_size: config.batch_size,
            seed,
        };
        let net = w.network.get_mut().map_err(|_| lock_poisoned(0))?;
        let fitted = surrogate::fit_over(
            &w.kernel.target,
            w.kernel.ranges(),
            &config.surrogate,
            settings,
            net.as_mut(),
        )?;
        w.kernel.conducive = Some(Conducive::new(
            &fitted,
            surrogate::is_diagonal(&config.surrogate),
        ));
        Ok(w)
    }

    /// The chains' kernel (its per-step cost plans the run).
    pub fn kernel(&self) -> &Sgld<T> {
        &self.kernel
    }

    /// Runs `plan`'s population (its `chains`), gathering after its kept steps.
    pub fn keeping(mut self, plan: &RunConfig) -> Self {
        self.warmup = plan.warmup;
        self.thin = plan.thin.max(1);
        self.chains = plan.chains;
        self
    }

    /// `local` (this process's counts) summed over the processes, in every process.
    pub fn sum_counts(&self, local: EvalCounts) -> Result<EvalCounts, CoreError> {
        let mut net = self.network.lock().map_err(|_| lock_poisoned(0))?;
        let agents = net.local();
        // The counts ride on this process's first agent (there is at least one).
        let mut rows = vec![0.0; agents.len() * 3];
        for (r, v) in rows
            .iter_mut()
            .zip([local.density, local.gradient, local.data_terms])
        {
            *r = f64::from_bits(v);
        }
        let mut all = vec![0.0; net.routes().agents() * 3];
        net.gather(3, &rows, &mut all)?;
        let mut sum = [0u64; 3];
        for row in all.chunks_exact(3) {
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v.to_bits();
            }
        }
        Ok(EvalCounts {
            density: sum[0],
            gradient: sum[1],
            data_terms: sum[2],
        })
    }

    /// Chains an agent can hold: K (module docs).
    fn capacity(&self) -> usize {
        match self.kernel.visits() {
            Some(Visits::Categorical) => self.chains,
            _ => self.chains.div_ceil(self.kernel.shards()),
        }
    }

    /// Each held chain's slot in its agent's message (its rank among the chains on
    /// that agent); an error if an agent holds more than K.
    fn slots(
        &self,
        held: &[Held],
        first: usize,
        agents: usize,
        step: u64,
    ) -> Result<Vec<usize>, CoreError> {
        let mut next = vec![0usize; agents];
        held.iter()
            .map(|h| {
                let n = &mut next[h.worker - first];
                *n += 1;
                if *n > self.capacity() {
                    return Err(CoreError::from(DistributedError::Network {
                        round: step,
                        reason: format!(
                            "worker {} holds more than {} chains",
                            h.worker,
                            self.capacity()
                        ),
                    }));
                }
                Ok(*n - 1)
            })
            .collect()
    }

    /// Whether step k is one the run keeps.
    fn kept(&self, k: u64) -> bool {
        k > self.warmup && (k - self.warmup).is_multiple_of(self.thin)
    }

    /// Moves every chain to the worker of its next shard.
    fn exchange(&self, st: &mut WorkersState, step: u64) -> Result<(u64, u64), CoreError> {
        let d = self.kernel.dim();
        let slot = SLOT_HEADER + d + RNG_WORDS;
        let m = self.capacity() * slot;
        let mut net = self.network.lock().map_err(|_| lock_poisoned(step))?;
        let local = net.local();
        let mut out = vec![0.0; local.len() * m];
        let slots = self.slots(&st.held, local.start, local.len(), step)?;
        for (h, at) in st.held.iter().zip(slots) {
            let (t, shard, left) = h.state.counters();
            let at = (h.worker - local.start) * m + at * slot;
            let row = &mut out[at..at + slot];
            row[0] = 1.0;
            row[1] = f64::from_bits(h.chain as u64);
            row[2] = f64::from_bits(t);
            row[3] = f64::from_bits(shard as u64);
            row[4] = f64::from_bits(left);
            row[SLOT_HEADER..SLOT_HEADER + d].copy_from_slice(h.state.position());
            for (r, w) in row[SLOT_HEADER + d..].iter_mut().zip(rng_words(&h.rng)?) {
                *r = f64::from_bits(w);
            }
        }
        let routes = net.routes().clone();
        let mut inbox = vec![0.0; routes.incoming_len(&local) * m];
        let before = net.traffic();
        net.exchange(m, &out, &mut inbox)?;
        let after = net.traffic();
        let mut held = Vec::with_capacity(st.held.len());
        let mut k = 0;
        for a in local.clone() {
            for _ in routes.sources(a) {
                let msg = &inbox[k * m..(k + 1) * m];
                k += 1;
                for row in msg.chunks_exact(slot) {
                    if row[0] != 1.0 || row[3].to_bits() as usize != a {
                        continue;
                    }
                    let chain = row[1].to_bits() as usize;
                    let mut words = [0u64; RNG_WORDS];
                    for (w, r) in words.iter_mut().zip(&row[SLOT_HEADER + d..]) {
                        *w = r.to_bits();
                    }
                    held.push(Held {
                        chain,
                        worker: a,
                        state: SgldState::from_parts(
                            &row[SLOT_HEADER..SLOT_HEADER + d],
                            (row[2].to_bits(), a, row[4].to_bits()),
                        ),
                        rng: rng_from_words(words)?,
                    });
                }
            }
        }
        held.sort_by_key(|h| h.chain);
        st.held = held;
        Ok((
            after.bytes - before.bytes,
            after.wire_bytes - before.wire_bytes,
        ))
    }

    /// Every chain's position into `st.reported`; an error if a chain is on no
    /// worker or on two.
    fn gather(&self, st: &mut WorkersState, step: u64) -> Result<(u64, u64), CoreError> {
        let (c, d) = (self.chains, self.kernel.dim());
        let slot = 2 + d;
        let m = self.capacity() * slot;
        let mut net = self.network.lock().map_err(|_| lock_poisoned(step))?;
        let local = net.local();
        let mut rows = vec![0.0; local.len() * m];
        let slots = self.slots(&st.held, local.start, local.len(), step)?;
        for (h, at) in st.held.iter().zip(slots) {
            let at = (h.worker - local.start) * m + at * slot;
            rows[at] = 1.0;
            rows[at + 1] = f64::from_bits(h.chain as u64);
            rows[at + 2..at + slot].copy_from_slice(h.state.position());
        }
        let mut all = vec![0.0; net.routes().agents() * m];
        let before = net.traffic();
        net.gather(m, &rows, &mut all)?;
        let after = net.traffic();
        let mut found = vec![0usize; c];
        for row in all.chunks_exact(m) {
            for s in row.chunks_exact(slot) {
                let chain = s[1].to_bits() as usize;
                if s[0] == 1.0 && chain < c {
                    found[chain] += 1;
                    st.reported[chain * d..(chain + 1) * d].copy_from_slice(&s[2..]);
                }
            }
        }
        if let Some(chain) = found.iter().position(|&n| n != 1) {
            return Err(DistributedError::Network {
                round: step,
                reason: format!(
                    "chain {chain} is on {} workers after step {step} (want exactly one)",
                    found[chain]
                ),
            }
            .into());
        }
        Ok((
            after.bytes - before.bytes,
            after.wire_bytes - before.wire_bytes,
        ))
    }
}

impl<T: FiniteSumTarget> PopulationKernel for Workers<'_, T> {
    type State = WorkersState;
    type Info = WorkersInfo;

    fn dim(&self) -> usize {
        self.kernel.dim()
    }

    fn init(&self, x0: &Particles, seed: u64) -> Result<(WorkersState, EvalCounts), CoreError> {
        if x0.len() != self.chains {
            return Err(CoreError::dim(
                "chains (the run plan's)",
                self.chains,
                x0.len(),
            ));
        }
        let local = self.network.lock().map_err(|_| lock_poisoned(0))?.local();
        let mut held = Vec::new();
        for c in 0..self.chains {
            // Every process starts every chain (a shard index at most) and keeps the
            // ones on its workers.
            let mut rng = stream(seed, c as u64);
            let (state, _) = self.kernel.init_chain(x0.row(c), &mut rng, c)?;
            if local.contains(&state.shard()) {
                held.push(Held {
                    chain: c,
                    worker: state.shard(),
                    state,
                    rng,
                });
            }
        }
        Ok((
            WorkersState {
                held,
                reported: x0.as_slice().to_vec(),
            },
            EvalCounts::ZERO,
        ))
    }

    fn step(&self, st: &mut WorkersState, k: u64) -> Result<WorkersInfo, CoreError> {
        let kernel = &self.kernel;
        let spent: Result<Vec<EvalCounts>, CoreError> = st
            .held
            .par_iter_mut()
            .map(|h| {
                // A worker steps only the chains visiting its own shard.
                if h.state.shard() != h.worker {
                    return Err(CoreError::from(DistributedError::Network {
                        round: k,
                        reason: format!(
                            "chain {} visits shard {} but is on worker {}",
                            h.chain,
                            h.state.shard(),
                            h.worker
                        ),
                    }));
                }
                kernel
                    .step(&(), &mut h.state, &mut h.rng)
                    .map(|info| info.evaluations)
                    .map_err(|e| CoreError::Diverged {
                        step: k,
                        chain: h.chain,
                        reason: e.reason,
                    })
            })
            .collect();
        let evaluations = spent?.into_iter().sum();
        let tau = kernel.local_steps().unwrap_or(1);
        let (mut bytes, mut wire_bytes) = (0, 0);
        if k.is_multiple_of(tau) {
            let (b, w) = self.exchange(st, k)?;
            bytes += b;
            wire_bytes += w;
        }
        if self.kept(k) {
            let (b, w) = self.gather(st, k)?;
            bytes += b;
            wire_bytes += w;
        }
        Ok(WorkersInfo {
            step_size: kernel
                .config()
                .schedule
                .at(kernel.config().step_size, k - 1),
            evaluations,
            bytes,
            wire_bytes,
        })
    }

    fn positions<'s>(&self, st: &'s WorkersState) -> &'s [f64] {
        &st.reported
    }
}
