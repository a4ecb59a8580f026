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
//!
//! ```
//! use sampo_baselines::{Model, Smc, SmcConfig};
//! use sampo_core::{CostUnit, Counted, Particles, RunConfig, Runner, Target};
//!
//! // Two modes of weight 0.25 and 0.75; SMC from N(0, 4² I), 500 particles, each
//! // spending at most 300 gradient evaluations after its reference draw.
//! let mix = sampo_targets::GaussianMixture::isotropic(
//!     vec![0.25, 0.75], vec![vec![-6.0, 0.0], vec![6.0, 0.0]], &[1.0, 1.0]).unwrap();
//! let target = Counted::new(mix);
//! let mut config = SmcConfig::default();
//! config.reference.scale = 4.0;
//! let smc = Smc::new(Model::with_gradient(&target), config)?
//!     .with_budget(CostUnit::Gradient, 300)?;
//! let mut rc = RunConfig::new(500, 0, 300, 7); // 500 particles, seed 7
//! rc.cost_unit = Some(CostUnit::Gradient);     // 300 evaluations per particle,
//! rc.thin = 300;                               // one snapshot at the end
//! let run = Runner::population(&smc, rc)?
//!     .count_with(&target)
//!     .run(&Particles::zeros(1, 2))?
//!     .finished()
//!     .unwrap();
//! let log_z = run.diagnostics.stats["log_z"]; // the mixture is normalized: 0
//! assert!(log_z.abs() < 0.5, "{log_z}");
//! assert!(run.evaluations.gradient <= 500 * 301);
//! # Ok::<(), sampo_core::CoreError>(())
//! ```

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
