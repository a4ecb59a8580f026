//! Which network the registered samplers run on: in process (the default), or MPI
//! for a program started under `mpirun` that called [`use_mpi`] (cargo feature
//! `mpi`). The choice is per process, as MPI itself is: `sampo-bench sample
//! --network mpi` makes it once, before building any sampler.

use crate::DistributedError;
use crate::network::{InProcess, Network, Routes};
use std::sync::OnceLock;

/// A network backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// All agents in this process.
    InProcess,
    /// A block of agents per MPI rank.
    Mpi,
}

static BACKEND: OnceLock<Backend> = OnceLock::new();

/// The backend the registered samplers use.
pub fn backend() -> Backend {
    *BACKEND.get().unwrap_or(&Backend::InProcess)
}

/// The network for `routes` on the current backend.
pub fn network(routes: Routes) -> Result<Box<dyn Network>, DistributedError> {
    match backend() {
        Backend::InProcess => Ok(Box::new(InProcess::new(routes))),
        #[cfg(feature = "mpi")]
        Backend::Mpi => Ok(Box::new(crate::mpi_net::MpiNetwork::from_env(routes)?)),
        #[cfg(not(feature = "mpi"))]
        Backend::Mpi => Err(not_built()),
    }
}

#[cfg(not(feature = "mpi"))]
fn not_built() -> DistributedError {
    DistributedError::invalid(
        "network",
        "mpi",
        "this build has no MPI backend: rebuild with `--features mpi` (needs OpenMPI and libclang, \
         docs/distributed.md)",
    )
}

/// Whether this process writes the output: rank 0 under MPI, always in process.
pub fn is_root() -> bool {
    match backend() {
        Backend::InProcess => true,
        #[cfg(feature = "mpi")]
        Backend::Mpi => {
            use mpi::traits::Communicator;
            mpi::topology::SimpleCommunicator::world().rank() == 0
        }
        #[cfg(not(feature = "mpi"))]
        Backend::Mpi => true,
    }
}

/// The number of processes the agents are spread over (MPI ranks; 1 in process).
pub fn processes() -> usize {
    match backend() {
        #[cfg(feature = "mpi")]
        Backend::Mpi => {
            use mpi::traits::Communicator;
            mpi::topology::SimpleCommunicator::world().size() as usize
        }
        _ => 1,
    }
}

/// `counts` summed over all processes (every rank calls it; integer sums, so the
/// result does not depend on the reduction order). In process: `counts`.
pub fn sum_over_processes(counts: sampo_core::EvalCounts) -> sampo_core::EvalCounts {
    match backend() {
        #[cfg(feature = "mpi")]
        Backend::Mpi => {
            use mpi::collective::SystemOperation;
            use mpi::traits::CommunicatorCollectives;
            let local = [counts.density, counts.gradient, counts.data_terms];
            let mut all = [0u64; 3];
            mpi::topology::SimpleCommunicator::world().all_reduce_into(
                &local[..],
                &mut all[..],
                SystemOperation::sum(),
            );
            sampo_core::EvalCounts {
                density: all[0],
                gradient: all[1],
                data_terms: all[2],
            }
        }
        _ => counts,
    }
}

/// An initialized MPI environment; dropping it finalizes MPI.
pub struct MpiSession {
    #[cfg(feature = "mpi")]
    _universe: mpi::environment::Universe,
}

/// Initializes MPI (threading level `Serialized`) and makes it the backend of every
/// sampler built afterwards; an error without the `mpi` feature, or if MPI or a
/// backend was set up before.
pub fn use_mpi() -> Result<MpiSession, DistributedError> {
    #[cfg(feature = "mpi")]
    {
        let (universe, _) =
            mpi::initialize_with_threading(mpi::Threading::Serialized).ok_or_else(|| {
                DistributedError::invalid("network", "mpi", "MPI was already initialized")
            })?;
        BACKEND.set(Backend::Mpi).map_err(|_| {
            DistributedError::invalid("network", "mpi", "a network backend was already chosen")
        })?;
        Ok(MpiSession {
            _universe: universe,
        })
    }
    #[cfg(not(feature = "mpi"))]
    {
        Err(not_built())
    }
}

/// The family's per-round statistics of a run, combined over processes (every rank
/// calls it, with the same keys): the byte counts (`bytes_per_round`,
/// `wire_bytes_per_round`) summed, so that `bytes_per_round` is the whole network's
/// as in process, and `newton_decrement` the maximum. Other statistics are left as
/// this process has them. In process: unchanged.
pub fn combine_stats(stats: &mut std::collections::BTreeMap<String, f64>) {
    match backend() {
        #[cfg(feature = "mpi")]
        Backend::Mpi => {
            use mpi::collective::SystemOperation;
            use mpi::traits::CommunicatorCollectives;
            let world = mpi::topology::SimpleCommunicator::world();
            for (key, op) in [
                ("bytes_per_round", SystemOperation::sum()),
                ("wire_bytes_per_round", SystemOperation::sum()),
                ("newton_decrement", SystemOperation::max()),
            ] {
                // Every rank takes part in every reduction, whichever keys it has
                // (a missing statistic counts as 0: neutral for these sums, and for
                // the maximum of a non-negative decrement).
                let local = stats.get(key).copied().unwrap_or(0.0);
                let mut all = 0.0;
                world.all_reduce_into(&local, &mut all, op);
                if stats.contains_key(key) || all > 0.0 {
                    stats.insert(key.to_string(), all);
                }
            }
        }
        _ => {
            let _ = stats;
        }
    }
}
