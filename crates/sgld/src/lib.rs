//! Stochastic-gradient Langevin dynamics on finite sums (docs/sgld.md).
//!
//! - [`Sgld`]: SGLD (Welling & Teh 2011) with minibatch gradients of a
//!   [`sampo_core::FiniteSumTarget`], a constant or polynomially decaying step
//!   ([`Schedule`]), optional RMSprop preconditioning (pSGLD, Li et al. 2016,
//!   [`Preconditioner`]) and optional control variates (SGLD-CV, Baker et al. 2019,
//!   [`ControlVariate`]).
//! - [`Sgld::dsgld`]: distributed SGLD (Ahn, Shahbaba & Welling 2014), chains visiting
//!   contiguous shards for `local_steps` steps each (in process).
//! - [`Sgld::fsgld`]: federated SGLD (El Mekkaoui et al. 2021), DSGLD plus the
//!   conducive gradient of per-shard Gaussian surrogates ([`surrogate`]).
//! - [`Workers`]: DSGLD and FSGLD with the shards on the workers of a
//!   [`sampo_distributed::Network`] (in process or MPI) and the chains travelling
//!   between them.
//! - [`samplers`]: the registry entries `sgld`, `dsgld` and `fsgld`.

pub mod config;
mod mode;
pub mod plugin;
pub mod precondition;
pub mod schedule;
pub mod sgld;
pub mod surrogate;
pub mod workers;

pub use config::{ControlVariate, DsgldConfig, FsgldConfig, SgldConfig, Visits};
pub use plugin::samplers;
pub use precondition::Preconditioner;
pub use schedule::Schedule;
pub use sgld::{Sgld, SgldInfo, SgldState};
pub use surrogate::{Center, Conducive, Gaussian, Precision, Surrogate};
pub use workers::{Workers, WorkersState};
