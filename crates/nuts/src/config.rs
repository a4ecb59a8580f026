//! What a user sets: the nuts-rs settings Sampo exposes, with Stan's defaults.

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// NUTS with a diagonal mass matrix (nuts-rs's `DiagNutsSettings`: Stan-like
/// windowed adaptation of the step size and of the mass matrix from draws and
/// gradients), configured as the registry's `nuts` kind.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NutsConfig {
    /// Tuning draws per chain (step size and mass matrix adapt; not kept). Default
    /// 400, nuts-rs's own. A budget that cannot pay for them all (see
    /// [`crate::plan`]) tunes for fewer, and says so in the run's statistics.
    pub num_tune: u64,
    /// Maximum tree depth: at most 2^maxdepth leapfrog steps per draw. Default 10
    /// (Stan's and nuts-rs's).
    pub maxdepth: u64,
    /// Target mean acceptance statistic of the step-size adaptation. Default 0.8
    /// (Stan's and nuts-rs's).
    pub target_accept: f64,
    /// Initial step size before adaptation. Default 0.1 (nuts-rs's).
    pub initial_step: f64,
    /// An energy error above this marks the trajectory divergent. Default 1000
    /// (Stan's and nuts-rs's).
    pub max_energy_error: f64,
    /// Output draws per chain when the job does not set its chains: n samples use
    /// ⌈n / samples_per_chain⌉ chains. Default 250: long chains, so that tuning
    /// (400 draws) is a small part of each chain's budget.
    pub samples_per_chain: usize,
}

impl Default for NutsConfig {
    fn default() -> Self {
        NutsConfig {
            num_tune: 400,
            maxdepth: 10,
            target_accept: 0.8,
            initial_step: 0.1,
            max_energy_error: 1000.0,
            samples_per_chain: 250,
        }
    }
}

/// Tuning draws below which adaptation is not worth the name: nuts-rs's first
/// window alone is 30 % of tuning, and its step size needs ~10 draws of dual
/// averaging to leave the initial value.
pub const MIN_TUNE: u64 = 10;

impl NutsConfig {
    /// Checks every field, naming it.
    pub fn validate(&self) -> Result<(), CoreError> {
        validate::at_least(
            "nuts.num_tune",
            usize::try_from(self.num_tune).unwrap_or(usize::MAX),
            MIN_TUNE as usize,
        )?;
        if !(1..=30).contains(&self.maxdepth) {
            return Err(CoreError::invalid(
                "nuts.maxdepth",
                self.maxdepth,
                "must be in 1..=30 (at most 2^maxdepth leapfrog steps per draw)",
            ));
        }
        validate::open_interval("nuts.target_accept", self.target_accept, 0.0, 1.0)?;
        validate::positive("nuts.initial_step", self.initial_step)?;
        validate::positive("nuts.max_energy_error", self.max_energy_error)?;
        validate::at_least("nuts.samples_per_chain", self.samples_per_chain, 1)?;
        Ok(())
    }
}
