//! # sampo-core
//!
//! The contracts every Sampo sampler and target shares:
//!
//! - [`Target`], [`GradTarget`], [`ExactSampler`], [`FiniteSumTarget`]: unnormalized
//!   densities with fused value-and-gradient evaluation into caller memory;
//! - [`Counted`]: thread-safe evaluation counting, so samplers compare at equal cost;
//! - [`Particles`]: n × d row-major particle buffers;
//! - [`rng::stream`]: per-chain RNG streams from `(seed, index)`;
//! - [`Kernel`] and [`Runner`]: BlackJAX-style `init`/`step` kernels driven by a
//!   runner with warm-up, thinning, observers and bit-exact checkpoint/resume;
//! - [`Run`]: the record every sampler returns;
//! - [`Smoothable`]: targets whose Gaussian convolutions are closed form;
//! - [`CoreError`]: one error enum; [`validate`] checks for fallible constructors.

#![warn(missing_docs)]

mod chain_buf;
pub mod checkpoint;
mod counted;
mod drift;
mod error;
mod kernel;
pub mod numdiff;
pub mod observer;
mod particles;
pub mod plugin;
mod population;
pub mod qmc;
pub mod rng;
mod run;
mod runner;
mod smoothing;
mod target;
pub mod validate;

pub use chain_buf::{ChainBuf, PAD as CHAIN_BUF_PAD};
pub use counted::{CostUnit, Counted, CountedRef, Counter, EvalCounts, EvalSource};
pub use drift::{Drift, DriftEval};
pub use error::{CoreError, Divergence};
pub use kernel::{Kernel, MeanAcceptance, StepInfo};
pub use observer::{Observer, Phase, Progress, StopAfter, StopFlag};
pub use particles::Particles;
pub use population::PopulationKernel;
pub use rng::StreamRng;
pub use run::{Diagnostics, Run};
pub use runner::{Chains, Engine, Outcome, Population, RunConfig, Runner};
pub use smoothing::{Smoothable, Smoothed, SmoothingGeometry};
pub use target::{ExactSampler, FiniteSumTarget, GradTarget, Target, check_dim};
