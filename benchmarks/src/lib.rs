//! # sampo-bench
//!
//! The Sampo benchmark harness as a library (the `sampo-bench` binary is a thin CLI
//! over it): the sampler [`registry`] every family registers with, target and
//! sampler [`spec`]s with `--set` overrides, [`budget`]s in every unit, one job's
//! [`execute`]ion with its cost in every unit and failures as results, the
//! [`measure`]s, [`suite`]s with their [`report`]s and plots, the paper
//! [`figures`], and the `eval`, `diagnose`, `compare` and `throughput` commands.
//!
//! See `docs/harness.md`.

#![warn(missing_docs)]

pub mod admm_figures;
pub mod budget;
pub mod compare;
pub mod diagnose;
mod ensemble_figures;
mod error;
pub mod eval;
pub mod execute;
pub mod figures;
mod gpss_figures;
pub mod io;
pub mod measure;
pub mod memory;
pub mod physics;
mod physics_figures;
pub mod plots;
pub mod progress;
pub mod reference;
pub mod registry;
pub mod report;
mod sgld_figures;
mod sgld_shards;
mod snf_figures;
pub mod spec;
pub mod suite;
pub mod throughput;
pub mod validity;
mod walkjump_figures;

pub use error::BenchError;
