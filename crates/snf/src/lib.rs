//! Stochastic normalizing flows (Wu, Köhler & Noé, NeurIPS 2020): RealNVP couplings
//! interleaved with Metropolis and Langevin blocks, each layer returning its exact
//! path term ΔS so that every sample carries the importance weight
//! `log w = u_Z(z) − u_X(x) + Σ ΔS` (docs/snf.md).

pub mod config;
pub mod coupling;
pub mod energy;
pub mod error;
pub mod file;
pub mod flow;
pub mod langevin;
pub mod metropolis;
pub mod mlp;
pub mod plugin;
pub mod sampler;
pub mod train;

pub use config::{
    AnnealConfig, BlockConfig, BlockKind, DataConfig, DataSource, FlowConfig, SnfConfig,
    TrainConfig,
};
pub use error::SnfError;
pub use flow::{Layer, Snf};
pub use plugin::samplers;
pub use train::{TrainObserver, TrainRecord, Trained};
