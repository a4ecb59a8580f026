//! The samplers' configurations (TOML tables, `deny_unknown_fields`) and their
//! validation. Defaults are the D-ADMMS paper's linear-regression settings
//! (samplers-b.md §3.3–3.5): 20 agents on a cycle, 100 iterations, ρ = 5; the
//! baselines' step sizes are the reference code's for that experiment.

use crate::DistributedError;
use crate::graph::GraphSpec;
use serde::{Deserialize, Serialize};

/// What a chain reports as its sample after the last iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Output {
    /// One agent's sample (`agent`): a draw of that agent's chain.
    Agent,
    /// The average over agents (the paper's "avg" curves; not a posterior draw of
    /// any agent, samplers-b.md §3.7 item 4).
    Average,
}

/// The noise of D-ADMMS's proximal step, `ξ_i ~ N(0, σ² I)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Noise {
    /// The paper's `σ = 1/(√2 ρ)` (the reference code; what produced its figures).
    Paper,
    /// The proximal-Langevin calibration `σ² = 2η_i = 1/(ρ m_i)`, with the prox step
    /// size `η_i = 1/(2ρ m_i)` (samplers-b.md §3.3, noise note).
    Calibrated,
    /// No noise: consensus ADMM, which converges to the MAP.
    None,
}

/// Which agents enter agent i's primal objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeighbourSum {
    /// The neighbours of i (the algorithm as written).
    Correct,
    /// Agents 0, …, d_i − 1, whoever they are (the reference code's indexing bug,
    /// samplers-b.md §3.7 item 1; its dual step uses the true neighbours). For
    /// reproducing the published curves only.
    Reference,
}

fn default_agents() -> usize {
    20
}
fn default_graph() -> GraphSpec {
    GraphSpec::Cycle
}
fn default_iterations() -> u64 {
    100
}
fn default_output() -> Output {
    Output::Agent
}
fn one() -> f64 {
    1.0
}

/// The fields every distributed sampler has.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    /// Agents N.
    pub agents: usize,
    /// The communication graph.
    pub graph: GraphSpec,
    /// Iterations (synchronous rounds) per chain.
    pub iterations: u64,
    /// What a chain reports.
    pub output: Output,
    /// The agent reported with `output = "agent"`.
    pub agent: usize,
    /// Std of the agents' initial positions `x_i⁰ ~ N(0, init_std² I)`.
    pub init_std: f64,
}

macro_rules! common_fields {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty = $d:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Agents N (each owns a contiguous shard of the data).
            #[serde(default = "default_agents")]
            pub agents: usize,
            /// The graph (`"complete"`, `"cycle"`, `"star"`, `"empty"`, or a table,
            /// [`crate::graph`]).
            #[serde(default = "default_graph")]
            pub graph: GraphSpec,
            /// Iterations per chain.
            #[serde(default = "default_iterations")]
            pub iterations: u64,
            /// `"agent"` (the sample of agent `agent`) or `"average"`.
            #[serde(default = "default_output")]
            pub output: Output,
            /// The agent reported with `output = "agent"`.
            #[serde(default)]
            pub agent: usize,
            /// Std of the initial positions (the paper: 1).
            #[serde(default = "one")]
            pub init_std: f64,
            $($(#[$fm])* pub $f: $t,)*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    agents: default_agents(),
                    graph: default_graph(),
                    iterations: default_iterations(),
                    output: default_output(),
                    agent: 0,
                    init_std: 1.0,
                    $($f: $d,)*
                }
            }
        }

        impl $name {
            /// The common fields.
            pub fn common(&self) -> Common {
                Common {
                    agents: self.agents,
                    graph: self.graph.clone(),
                    iterations: self.iterations,
                    output: self.output,
                    agent: self.agent,
                    init_std: self.init_std,
                }
            }
        }
    };
}

common_fields! {
    /// `admm`: D-ADMMS (Tzikas et al. 2024), or consensus ADMM with `noise = "none"`.
    pub struct AdmmConfig {
        /// Penalty ρ (the paper: 5).
        #[serde(default = "default_rho")]
        pub rho: f64 = default_rho(),
        /// `"paper"`, `"calibrated"` or `"none"` ([`Noise`]).
        #[serde(default = "default_noise")]
        pub noise: Noise = default_noise(),
        /// `"correct"` or `"reference"` ([`NeighbourSum`]).
        #[serde(default = "default_neighbour_sum")]
        pub neighbour_sum: NeighbourSum = default_neighbour_sum(),
        /// Newton steps allowed per proximal solve on a non-quadratic target (module
        /// [`crate::prox`]); a solve that needs more is an error.
        #[serde(default = "default_max_newton_steps")]
        pub max_newton_steps: usize = default_max_newton_steps(),
    }
}

common_fields! {
    /// `d-sgld`: `x_i ← Σ_j W_ij x_j − η ∇f_i(x_i) + √(2η) z` (Gürbüzbalaban et al. 2021).
    pub struct SgldConfig {
        /// Step size η (the reference code: 0.009 for linear regression).
        #[serde(default = "default_sgld_step")]
        pub step_size: f64 = default_sgld_step(),
    }
}

common_fields! {
    /// `d-sghmc`: `v_i ← v_i − η(γ v_i + ∇f_i(x_i)) + √(2γη) z`, `x_i ← Σ_j W_ij x_j + η v_i`.
    pub struct SghmcConfig {
        /// Step size η (the reference code: 0.1 for linear regression).
        #[serde(default = "default_sghmc_step")]
        pub step_size: f64 = default_sghmc_step(),
        /// Friction γ (the reference code: 7).
        #[serde(default = "default_friction")]
        pub friction: f64 = default_friction(),
    }
}

common_fields! {
    /// `d-ula` (Parayil et al. 2021): `x_i ← x_i − β_k Σ_{j∈N_i}(x_i − x_j) − α_k N ∇f_i(x_i)
    /// + √(2α_k N) z`, `α_k = α₀/(b₁ + k)^{δ₂}`, `β_k = β₀/(b₂ + k)^{δ₁}`.
    pub struct UlaConfig {
        /// α₀ (8.2e−4).
        #[serde(default = "default_alpha0")]
        pub alpha0: f64 = default_alpha0(),
        /// β₀ (0.48).
        #[serde(default = "default_beta0")]
        pub beta0: f64 = default_beta0(),
        /// b₁ (230).
        #[serde(default = "default_b")]
        pub b1: f64 = default_b(),
        /// b₂ (230).
        #[serde(default = "default_b")]
        pub b2: f64 = default_b(),
        /// δ₁, the consensus decay (the reference code: 0.55 on complete graphs, 0.05
        /// on cycles and empty graphs).
        #[serde(default = "default_delta")]
        pub delta1: f64 = default_delta(),
        /// δ₂, the step decay (0.05).
        #[serde(default = "default_delta")]
        pub delta2: f64 = default_delta(),
    }
}

fn default_rho() -> f64 {
    5.0
}
fn default_noise() -> Noise {
    Noise::Paper
}
fn default_neighbour_sum() -> NeighbourSum {
    NeighbourSum::Correct
}
/// Damped Newton needs about λ₀ steps from decrement λ₀ before its quadratic phase;
/// from a far initial position (iteration 1) that is tens of steps, from the warm
/// start of later iterations two to four. 100 is a cap, not a cost.
fn default_max_newton_steps() -> usize {
    100
}
fn default_sgld_step() -> f64 {
    0.009
}
fn default_sghmc_step() -> f64 {
    0.1
}
fn default_friction() -> f64 {
    7.0
}
fn default_alpha0() -> f64 {
    8.2e-4
}
fn default_beta0() -> f64 {
    0.48
}
fn default_b() -> f64 {
    230.0
}
fn default_delta() -> f64 {
    0.05
}

fn positive(name: &str, v: f64) -> Result<(), DistributedError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DistributedError::invalid(name, v, "must be finite and > 0"))
    }
}

fn non_negative(name: &str, v: f64) -> Result<(), DistributedError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(DistributedError::invalid(
            name,
            v,
            "must be finite and >= 0",
        ))
    }
}

impl Common {
    /// Checks the common fields.
    pub fn validate(&self) -> Result<(), DistributedError> {
        if self.agents == 0 {
            return Err(DistributedError::invalid("agents", 0, "must be >= 1"));
        }
        if self.iterations == 0 {
            return Err(DistributedError::invalid("iterations", 0, "must be >= 1"));
        }
        if self.agent >= self.agents {
            return Err(DistributedError::invalid(
                "agent",
                self.agent,
                format!("must be an agent, 0..{}", self.agents),
            ));
        }
        positive("init_std", self.init_std)?;
        self.graph.build(self.agents)?;
        Ok(())
    }
}

impl AdmmConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), DistributedError> {
        self.common().validate()?;
        positive("rho", self.rho)?;
        if self.max_newton_steps == 0 {
            return Err(DistributedError::invalid(
                "max_newton_steps",
                0,
                "must be >= 1",
            ));
        }
        Ok(())
    }
}

impl SgldConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), DistributedError> {
        self.common().validate()?;
        positive("step_size", self.step_size)
    }
}

impl SghmcConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), DistributedError> {
        self.common().validate()?;
        positive("step_size", self.step_size)?;
        positive("friction", self.friction)
    }
}

impl UlaConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), DistributedError> {
        self.common().validate()?;
        positive("alpha0", self.alpha0)?;
        non_negative("beta0", self.beta0)?;
        non_negative("b1", self.b1)?;
        non_negative("b2", self.b2)?;
        non_negative("delta1", self.delta1)?;
        non_negative("delta2", self.delta2)?;
        if self.b1 == 0.0 && self.delta2 > 0.0 {
            // k starts at 0: (b₁ + 0)^{−δ₂} would be infinite.
            return Err(DistributedError::invalid(
                "b1",
                0,
                "must be > 0 when delta2 > 0",
            ));
        }
        if self.b2 == 0.0 && self.delta1 > 0.0 {
            return Err(DistributedError::invalid(
                "b2",
                0,
                "must be > 0 when delta1 > 0",
            ));
        }
        Ok(())
    }
}
