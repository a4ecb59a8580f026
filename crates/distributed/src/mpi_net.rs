//! The MPI backend (cargo feature `mpi`, rsmpi): a block of agents per rank.
//!
//! Rank r of P holds agents `⌊rN/P⌋ .. ⌊(r+1)N/P⌋` (P ≤ N). Per round, each rank sends
//! every peer one message holding the positions of its agents that the peer's agents
//! read, and receives the same from each peer it reads; agents on the same rank are
//! copied. The routes are fixed, so both sides know every message's layout. Output
//! rows are gathered the same way (every rank sends its block to every other).
//!
//! **Failure.** Every receive is non-blocking and polled against a deadline
//! (`timeout`, default 60 s, `SAMPO_MPI_TIMEOUT` seconds in [`MpiNetwork::from_env`]).
//! A peer that stops answering makes this rank print which peer and round it waited
//! for and call `MPI_Abort`, which ends every rank of the job with exit code
//! [`ABORT_CODE`]: MPI cannot cancel a receive from a dead process portably, so a clean
//! error return is not possible, but a hang is not either. A rank that dies is seen
//! by `mpirun`, which ends the job.
//!
//! MPI must be initialized by the program (`mpi::initialize_with_threading` with at
//! least `Threading::Serialized`: the network is called from one thread at a time,
//! under the kernel's lock) and its `Universe` kept alive for the run.

use crate::DistributedError;
use crate::network::{Network, Routes, Traffic, check_lengths};
use mpi::Rank;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::ops::Range;
use std::time::{Duration, Instant};

/// Exit code of a job ended by a peer that stopped answering.
pub const ABORT_CODE: i32 = 3;

/// Tag of the exchange messages.
const TAG_EXCHANGE: i32 = 11;
/// Tag of the output gather.
const TAG_GATHER: i32 = 12;

/// A block of agents on this rank (module docs).
#[derive(Debug, Clone)]
pub struct MpiNetwork {
    routes: Routes,
    rank: usize,
    ranks: usize,
    blocks: Vec<Range<usize>>,
    /// Per peer rank: my agents it reads (sorted), and its agents I read.
    send_to: Vec<Vec<usize>>,
    recv_from: Vec<Vec<usize>>,
    timeout: Duration,
    traffic: Traffic,
}

/// The agents of rank r of `ranks` (balanced contiguous blocks).
pub fn block(agents: usize, ranks: usize, r: usize) -> Range<usize> {
    r * agents / ranks..(r + 1) * agents / ranks
}

impl MpiNetwork {
    /// The network of this rank in `MPI_COMM_WORLD`; an error if there are more
    /// ranks than agents.
    pub fn new(routes: Routes, timeout: Duration) -> Result<Self, DistributedError> {
        let world = SimpleCommunicator::world();
        let (rank, ranks) = (world.rank() as usize, world.size() as usize);
        let n = routes.agents();
        if ranks > n {
            return Err(DistributedError::invalid(
                "agents",
                n,
                format!("must be at least the number of MPI ranks ({ranks})"),
            ));
        }
        let blocks: Vec<Range<usize>> = (0..ranks).map(|r| block(n, ranks, r)).collect();
        let owner = |a: usize| blocks.iter().position(|b| b.contains(&a)).expect("a block");
        let mine = blocks[rank].clone();
        let mut send_to = vec![Vec::new(); ranks];
        let mut recv_from = vec![Vec::new(); ranks];
        for a in 0..n {
            for &s in routes.sources(a) {
                let (oa, os) = (owner(a), owner(s));
                if oa == os {
                    continue;
                }
                if os == rank {
                    send_to[oa].push(s);
                }
                if oa == rank {
                    recv_from[os].push(s);
                }
            }
        }
        for l in send_to.iter_mut().chain(recv_from.iter_mut()) {
            l.sort_unstable();
            l.dedup();
        }
        debug_assert!(send_to[rank].is_empty() && recv_from[rank].is_empty());
        let _ = mine;
        Ok(MpiNetwork {
            routes,
            rank,
            ranks,
            blocks,
            send_to,
            recv_from,
            timeout,
            traffic: Traffic::default(),
        })
    }

    /// [`MpiNetwork::new`] with the timeout from `SAMPO_MPI_TIMEOUT` (seconds; 60 if
    /// unset); a malformed value is an error naming the variable.
    pub fn from_env(routes: Routes) -> Result<Self, DistributedError> {
        let secs = match std::env::var("SAMPO_MPI_TIMEOUT") {
            Ok(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0 && s.is_finite())
                .ok_or_else(|| {
                    DistributedError::invalid("SAMPO_MPI_TIMEOUT", v.clone(), "must be seconds > 0")
                })?,
            Err(_) => 60.0,
        };
        Self::new(routes, Duration::from_secs_f64(secs))
    }

    /// This rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks P.
    pub fn ranks(&self) -> usize {
        self.ranks
    }

    /// Sends `send[q]` to and receives `recv[q]` from every peer q, polling the
    /// receives against the deadline (module docs).
    fn transfer(&self, round: u64, tag: i32, send: &[Vec<f64>], recv: &mut [Vec<f64>]) {
        let world = SimpleCommunicator::world();
        let deadline = Instant::now() + self.timeout;
        mpi::request::scope(|scope| {
            let mut sends = Vec::new();
            for (q, buf) in send.iter().enumerate() {
                if !buf.is_empty() {
                    sends.push(world.process_at_rank(q as Rank).immediate_send_with_tag(
                        scope,
                        &buf[..],
                        tag,
                    ));
                }
            }
            let mut pending: Vec<(usize, _)> = recv
                .iter_mut()
                .enumerate()
                .filter(|(_, b)| !b.is_empty())
                .map(|(q, b)| {
                    (
                        q,
                        world
                            .process_at_rank(q as Rank)
                            .immediate_receive_into_with_tag(scope, &mut b[..], tag),
                    )
                })
                .collect();
            while !pending.is_empty() {
                let mut still = Vec::with_capacity(pending.len());
                for (q, r) in pending {
                    match r.test() {
                        Ok(_) => {}
                        Err(r) => still.push((q, r)),
                    }
                }
                pending = still;
                if !pending.is_empty() {
                    if Instant::now() > deadline {
                        let peers: Vec<usize> = pending.iter().map(|(q, _)| *q).collect();
                        eprintln!(
                            "sampo-distributed: rank {}: no message from rank(s) {peers:?} in round \
                             {round} within {:.1} s; aborting the MPI job (exit code {ABORT_CODE})",
                            self.rank,
                            self.timeout.as_secs_f64()
                        );
                        world.abort(ABORT_CODE);
                    }
                    std::thread::sleep(Duration::from_micros(20));
                }
            }
            for s in sends {
                // A send completes once the peer's receive is posted (or buffered);
                // poll it against the same deadline.
                let mut s = s;
                loop {
                    match s.test() {
                        Ok(_) => break,
                        Err(r) => {
                            if Instant::now() > deadline {
                                eprintln!(
                                    "sampo-distributed: rank {}: a send of round {round} was not \
                                     taken within {:.1} s; aborting the MPI job (exit code {ABORT_CODE})",
                                    self.rank,
                                    self.timeout.as_secs_f64()
                                );
                                world.abort(ABORT_CODE);
                            }
                            s = r;
                            std::thread::sleep(Duration::from_micros(20));
                        }
                    }
                }
            }
        });
    }
}

impl Network for MpiNetwork {
    fn routes(&self) -> &Routes {
        &self.routes
    }

    fn local(&self) -> Range<usize> {
        self.blocks[self.rank].clone()
    }

    fn exchange(
        &mut self,
        m: usize,
        outgoing: &[f64],
        incoming: &mut [f64],
    ) -> Result<(), DistributedError> {
        let local = self.local();
        let round = self.traffic.rounds + 1;
        check_lengths(round, "outgoing", outgoing.len(), local.len() * m)?;
        check_lengths(
            round,
            "incoming",
            incoming.len(),
            self.routes.incoming_len(&local) * m,
        )?;
        let row = |a: usize| &outgoing[(a - local.start) * m..(a - local.start + 1) * m];
        let send: Vec<Vec<f64>> = self
            .send_to
            .iter()
            .map(|agents| {
                agents
                    .iter()
                    .flat_map(|&a| row(a).iter().copied())
                    .collect()
            })
            .collect();
        let mut recv: Vec<Vec<f64>> = self
            .recv_from
            .iter()
            .map(|agents| vec![0.0; agents.len() * m])
            .collect();
        self.transfer(round, TAG_EXCHANGE, &send, &mut recv);
        self.traffic.wire_bytes += 8 * send.iter().map(|b| b.len() as u64).sum::<u64>();
        let mut k = 0;
        for a in local.clone() {
            for &s in self.routes.sources(a) {
                let dst = &mut incoming[k * m..(k + 1) * m];
                if local.contains(&s) {
                    dst.copy_from_slice(row(s));
                } else {
                    let q = self
                        .blocks
                        .iter()
                        .position(|b| b.contains(&s))
                        .expect("a block");
                    let at = self.recv_from[q].binary_search(&s).expect("routed");
                    dst.copy_from_slice(&recv[q][at * m..(at + 1) * m]);
                }
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
        let local = self.local();
        let round = self.traffic.rounds;
        check_lengths(round, "gathered rows", local_rows.len(), local.len() * m)?;
        check_lengths(round, "gather buffer", all.len(), self.routes.agents() * m)?;
        let send: Vec<Vec<f64>> = (0..self.ranks)
            .map(|q| {
                if q == self.rank {
                    Vec::new()
                } else {
                    local_rows.to_vec()
                }
            })
            .collect();
        let mut recv: Vec<Vec<f64>> = (0..self.ranks)
            .map(|q| {
                if q == self.rank {
                    Vec::new()
                } else {
                    vec![0.0; self.blocks[q].len() * m]
                }
            })
            .collect();
        self.transfer(round, TAG_GATHER, &send, &mut recv);
        for (q, b) in self.blocks.iter().enumerate() {
            let dst = &mut all[b.start * m..b.end * m];
            if q == self.rank {
                dst.copy_from_slice(local_rows);
            } else {
                dst.copy_from_slice(&recv[q]);
            }
        }
        Ok(())
    }

    fn traffic(&self) -> Traffic {
        self.traffic
    }
}
