//! NUTS through [nuts-rs](https://docs.rs/nuts-rs) (the sampler behind nutpie), as
//! Sampo's unimodal baseline: the `nuts` kind of the registry.
//!
//! nuts-rs does the algorithm (Hoffman & Gelman 2014, multinomial trajectory
//! sampling and the generalized U-turn criterion of Betancourt 2017, Stan-like
//! windowed adaptation of a diagonal mass matrix and dual averaging of the step
//! size to a mean acceptance statistic of 0.8). This crate makes it a Sampo
//! [`sampo_core::Kernel`] ([`Nuts`]): one nuts-rs draw per step, every gradient
//! evaluation counted, divergences and tuning reported per draw, chains seeded
//! from Sampo's `(seed, chain)` streams (bit-identical for any thread count) and
//! resumable from checkpoints; and it plans a job's budget into chains, tuning and
//! trajectory caps ([`plan`]). See docs/nuts.md.
//!
//! ```
//! use sampo_core::{Runner, RunConfig, CostUnit, Particles};
//! use sampo_nuts::{Nuts, NutsConfig};
//! use sampo_targets::{Covariance, Gaussian};
//!
//! let target = Gaussian::new(vec![1.0, -1.0], Covariance::Isotropic(1.0)).unwrap();
//! let kernel = Nuts::new(&target, &NutsConfig { num_tune: 100, ..Default::default() })?
//!     .with_max_leapfrog_steps(63);
//! // 4 chains, each spending 20 000 gradient evaluations: half warm-up, half
//! // sampling, of which 100 steps are kept, evenly spaced.
//! let mut rc = RunConfig::new(4, 10_000, 10_000, 7);
//! rc.thin = 100;
//! rc.cost_unit = Some(CostUnit::Gradient);
//! let run = Runner::new(&kernel, rc)?.run(&Particles::zeros(4, 2))?.finished().unwrap();
//! assert_eq!(run.samples.len(), 400);
//! assert_eq!(run.diagnostics.stats["tuning"], 0.0);
//! # Ok::<(), sampo_core::CoreError>(())
//! ```

pub mod config;
pub mod kernel;
pub mod logp;
pub mod plugin;

pub use config::NutsConfig;
pub use kernel::{Nuts, NutsInfo, NutsState};
pub use plugin::{Plan, plan, samplers};
