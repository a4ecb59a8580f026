//! The baselines every multimodal sampler must beat, on one tempering path from a
//! Gaussian reference to the target ([`path`]):
//!
//! - [`Smc`]: sequential Monte Carlo with adaptive tempering, log Z with its
//!   single-run standard error (`smc`);
//! - [`Ais`]: annealed importance sampling, log Z (`ais`);
//! - [`Pt`]: non-reversible parallel tempering with an adaptive ladder, swap rates
//!   and round trips (`pt`).
//!
//! SMC and AIS are population kernels ([`sampo_core::PopulationKernel`]) with
//! weighted output; PT is a per-chain kernel ([`sampo_core::Kernel`]) whose state is
//! the whole ladder. Maths, defaults and figures: docs/baselines.md.

pub mod ais;
pub mod moves;
pub mod path;
pub mod plugin;
pub mod population;
pub mod pt;
pub mod smc;

pub use ais::{Ais, AisConfig, AisState};
pub use moves::{Move, Particle};
pub use path::Reference;
pub use plugin::samplers;
pub use population::{Model, Population, Resampling};
pub use pt::{Ladder, Pt, PtConfig, PtState, PtTuning};
pub use smc::{Smc, SmcConfig, SmcOutput, SmcState};
