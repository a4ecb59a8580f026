//! # sampo-langevin
//!
//! Langevin Markov kernels in BlackJAX's shape (`init`/`step`, State / Info /
//! Tuning as plain data), driven by [`sampo_core::Runner`]:
//!
//! - [`Ula`]: the unadjusted Langevin algorithm (Euler–Maruyama);
//! - [`Mala`]: Metropolis-adjusted Langevin, with optional warm-up step-size
//!   adaptation by Nesterov dual averaging ([`DualAveraging`]);
//! - [`Underdamped`]: kinetic Langevin with unit mass, split as BAOAB, OBABO or
//!   ABOBA ([`Splitting`]);
//! - [`AnyLangevin`]: whichever of the three a [`LangevinConfig`] (TOML
//!   `[sampler] kind = "ula" | "mala" | "underdamped"`) selects, via
//!   [`LangevinConfig::build`].
//!
//! **Step-size convention**: `x' = x + h ∇log π(x) + √(2h) ξ` (BlackJAX, SLIPS).
//! Papers writing `x + (h/2)∇log π + √h ξ` use a step twice ours.
//!
//! Every kernel makes exactly one fused value-and-gradient evaluation per step and
//! allocates nothing in `step`. Kernels own their target; pass `&target` to borrow
//! it (or `Counted::new(&target)` to count evaluations).
//!
//! ```
//! use sampo_core::{GradTarget, Particles, RunConfig, Runner, Target};
//! use sampo_langevin::{Mala, MalaConfig, DualAveraging};
//!
//! struct StdNormal;
//! impl Target for StdNormal {
//!     fn dim(&self) -> usize { 1 }
//!     fn log_density(&self, x: &[f64]) -> f64 { -0.5 * x[0] * x[0] }
//! }
//! impl GradTarget for StdNormal {
//!     fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
//!         g[0] = -x[0];
//!         -0.5 * x[0] * x[0]
//!     }
//! }
//!
//! let kernel = Mala::new(&StdNormal, MalaConfig::new(0.5).with_adaptation(DualAveraging::default()))?;
//! let run = Runner::new(&kernel, RunConfig::new(4, 200, 500, 7))?
//!     .run(&Particles::repeat(&[0.0], 1))?
//!     .finished()
//!     .unwrap();
//! assert_eq!(run.samples.len(), 4 * 500);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod any;
mod config;
pub mod dual_averaging;
mod error;
mod mala;
pub mod plugin;
mod ula;
mod underdamped;

pub use any::{AnyInfo, AnyLangevin, AnyState, AnyTuning};
pub use config::{LangevinConfig, MalaConfig, Splitting, UlaConfig, UnderdampedConfig};
pub use dual_averaging::{DualAveraging, DualAveragingState};
pub use error::LangevinError;
pub use mala::{Mala, MalaInfo, MalaState, MalaTuning};
pub use plugin::samplers;
pub use ula::{Ula, UlaInfo, UlaState};
pub use underdamped::{Underdamped, UnderdampedInfo, UnderdampedState};
