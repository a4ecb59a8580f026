//! Synchronous rounds of neighbour exchange (DESIGN.md, Distributed).
//!
//! Every agent reads the messages of a fixed list of **sources** (its neighbours,
//! plus the extra agents the reference-compatible D-ADMMS reads, see
//! [`crate::admm`]), fixed when the network is built ([`Routes`]). In a round each
//! local agent posts one message of `m` floats (all of its chains' positions), and
//! receives, for each of its sources in source order, that source's message. The
//! samplers are written once against [`Network`]; [`InProcess`] (this module) runs
//! all agents in one process, and the MPI backend (cargo feature `mpi`) runs blocks
//! of agents on ranks. A round either completes for every agent or fails with an
//! error: it never returns part of the messages.
//!
//! **Traffic.** Each backend counts what it moves between agents (one message per
//! source edge, `m` floats of 8 bytes), so a run reports its communication volume
//! per round; an agent reading itself moves nothing.

use crate::DistributedError;
use std::ops::Range;

/// Which agents each agent reads: `sources[a]`, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    sources: Vec<Vec<usize>>,
}

impl Routes {
    /// Routes from per-agent source lists (sorted and deduplicated here).
    pub fn new(mut sources: Vec<Vec<usize>>) -> Self {
        for s in &mut sources {
            s.sort_unstable();
            s.dedup();
        }
        Routes { sources }
    }

    /// The number of agents N.
    pub fn agents(&self) -> usize {
        self.sources.len()
    }

    /// The sources of agent a.
    pub fn sources(&self, a: usize) -> &[usize] {
        &self.sources[a]
    }

    /// Start of agent a's block in the incoming buffer of `local` agents, in messages.
    pub fn offset(&self, local: &Range<usize>, a: usize) -> usize {
        (local.start..a).map(|b| self.sources[b].len()).sum()
    }

    /// Messages the `local` agents receive in one round.
    pub fn incoming_len(&self, local: &Range<usize>) -> usize {
        local.clone().map(|a| self.sources[a].len()).sum()
    }

    /// The agents that read agent a (the transpose), sorted.
    pub fn readers(&self, a: usize) -> Vec<usize> {
        (0..self.agents())
            .filter(|&b| self.sources[b].binary_search(&a).is_ok())
            .collect()
    }
}

/// What a network has moved between agents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Exchange rounds completed.
    pub rounds: u64,
    /// Messages between different agents.
    pub messages: u64,
    /// Bytes of those messages.
    pub bytes: u64,
    /// Bytes this process sent to other processes (MPI; 0 in process): messages
    /// between agents of one rank are copies, and one message per peer rank carries
    /// every agent row that rank reads.
    pub wire_bytes: u64,
}

/// A synchronous network of agents (module docs).
pub trait Network: Send {
    /// The routes it was built with.
    fn routes(&self) -> &Routes;

    /// The agents this process holds.
    fn local(&self) -> Range<usize>;

    /// One round: `outgoing` holds the local agents' messages (`m` floats each, agent
    /// order); `incoming` receives, per local agent and per source in source order,
    /// that source's message (`Routes::incoming_len × m` floats).
    fn exchange(
        &mut self,
        m: usize,
        outgoing: &[f64],
        incoming: &mut [f64],
    ) -> Result<(), DistributedError>;

    /// Every agent's row (`m` floats, agent order) on every process: `local_rows`
    /// holds the local agents' rows, `all` receives N rows. Used for the output.
    fn gather(
        &mut self,
        m: usize,
        local_rows: &[f64],
        all: &mut [f64],
    ) -> Result<(), DistributedError>;

    /// What the network has moved so far.
    fn traffic(&self) -> Traffic;
}

/// All agents in this process: a round copies every message to its readers.
/// Agents' updates run on rayon's threads; the exchange itself is a copy.
#[derive(Debug, Clone)]
pub struct InProcess {
    routes: Routes,
    traffic: Traffic,
}

impl InProcess {
    /// A network over `routes`.
    pub fn new(routes: Routes) -> Self {
        InProcess {
            routes,
            traffic: Traffic::default(),
        }
    }
}

/// Checks buffer lengths of one round (a programming error in a backend's caller is
/// reported, not a panic).
pub(crate) fn check_lengths(
    round: u64,
    what: &str,
    got: usize,
    want: usize,
) -> Result<(), DistributedError> {
    if got == want {
        Ok(())
    } else {
        Err(DistributedError::Network {
            round,
            reason: format!("{what} holds {got} floats, the routes need {want}"),
        })
    }
}

impl Network for InProcess {
    fn routes(&self) -> &Routes {
        &self.routes
    }

    fn local(&self) -> Range<usize> {
        0..self.routes.agents()
    }

    fn exchange(
        &mut self,
        m: usize,
        outgoing: &[f64],
        incoming: &mut [f64],
    ) -> Result<(), DistributedError> {
        let n = self.routes.agents();
        let round = self.traffic.rounds + 1;
        check_lengths(round, "outgoing", outgoing.len(), n * m)?;
        let local = self.local();
        check_lengths(
            round,
            "incoming",
            incoming.len(),
            self.routes.incoming_len(&local) * m,
        )?;
        let mut k = 0;
        for a in 0..n {
            for &s in self.routes.sources(a) {
                incoming[k * m..(k + 1) * m].copy_from_slice(&outgoing[s * m..(s + 1) * m]);
                if s != a {
                    self.traffic.messages += 1;
                    self.traffic.bytes += 8 * m as u64;
                }
                k += 1;
            }
        }
        self.traffic.rounds = round;
        Ok(())
    }

    fn gather(
        &mut self,
        m: usize,
        local_rows: &[f64],
        all: &mut [f64],
    ) -> Result<(), DistributedError> {
        let n = self.routes.agents();
        check_lengths(
            self.traffic.rounds,
            "gathered rows",
            local_rows.len(),
            n * m,
        )?;
        check_lengths(self.traffic.rounds, "gather buffer", all.len(), n * m)?;
        all.copy_from_slice(local_rows);
        Ok(())
    }

    fn traffic(&self) -> Traffic {
        self.traffic
    }
}
