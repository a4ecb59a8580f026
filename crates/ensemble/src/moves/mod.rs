//! emcee's ensemble moves as gradient-free MCMC baselines: the stretch and walk
//! moves of Goodman & Weare (2010) and the differential-evolution move of
//! ter Braak (2006), in the red–blue parallel form of emcee (Foreman-Mackey et al.
//! 2013).
//!
//! - [`kernel`]: the red–blue kernel over any [`Move`] (W walkers in two halves,
//!   Metropolis acceptance, per-walker streams, bit-identical for any thread count);
//! - [`stretch`], [`walk`], [`de`]: the three moves, their maths and citations;
//! - [`config`]: their serde configurations and the walker rule;
//! - [`ensemble`]: the Rust entry point ([`Ensemble::sample`]);
//! - `plugin`: the harness kinds `stretch`, `walk-move`, `de-move`.

pub mod config;
pub mod de;
pub mod ensemble;
pub mod kernel;
mod plugin;
pub mod stretch;
pub mod walk;

pub use config::{DeMoveConfig, StretchConfig, WalkMoveConfig};
pub use de::De;
pub use ensemble::{Ensemble, MoveConfig};
pub use kernel::{EnsembleInfo, EnsembleKernel, EnsembleState, Move, Parallelism};
pub use plugin::samplers;
pub use stretch::Stretch;
pub use walk::{Walk, WalkScratch};
