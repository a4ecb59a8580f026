//! Decentralized sampling over a network of agents (DESIGN.md, Distributed).
//!
//! N agents on a graph each own a shard of a finite-sum posterior
//! (`f_i = −log p(D_i | x) − (1/N) log p(x)`, [`shard`]) and exchange positions with
//! their neighbours in synchronous rounds over a [`network::Network`]. The samplers,
//! written once against that trait ([`method`], [`kernel`]):
//!
//! - **D-ADMMS** (Tzikas, Romao, Pilanci, Abate, Kochenderfer 2024): consensus ADMM
//!   with noise in the proximal step; closed form for linear regression, Newton
//!   otherwise ([`prox`]); noiseless ADMM; the reference code's neighbour indexing as
//!   an option.
//! - **D-SGLD**, **D-SGHMC** (Gürbüzbalaban et al. 2021) and **D-ULA** (Parayil et
//!   al. 2021), with full local gradients, as the paper's baselines.
//!
//! For linear regression every update is affine-Gaussian, so [`exact_law`] gives the
//! exact mean and covariance of every agent at every iteration (and the stationary
//! law): the tests check the samplers against it, and docs/distributed.md measures
//! D-ADMMS's stationary bias with it.

pub mod backend;
pub mod config;
pub mod error;
pub mod exact_law;
pub mod graph;
pub mod kernel;
pub mod method;
#[cfg(feature = "mpi")]
pub mod mpi_net;
pub mod network;
pub mod plugin;
pub mod prox;
pub mod shard;

pub use config::{
    AdmmConfig, Common, NeighbourSum, Noise, Output, SghmcConfig, SgldConfig, UlaConfig,
};
pub use error::DistributedError;
pub use graph::{Graph, GraphSpec};
pub use kernel::{Decentralized, DistState};
pub use method::Method;
pub use network::{InProcess, Network, Routes, Traffic};
pub use plugin::samplers;
