//! Every sampler kind the harness knows: one registration line per family.
//!
//! Adding a family is one `.with(...)` line here and nothing else in the harness:
//! `list samplers`, `sample`, suites, `--set`, the conformance suite and the
//! figures all go through this registry.

use sampo_core::plugin::Registry;
use std::sync::OnceLock;

/// The registry (built once).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::new()
            .with(sampo_langevin::samplers())
            .with(sampo_rdmc::samplers())
            .with(sampo_baselines::samplers())
            .with(sampo_nuts::samplers())
            .with(sampo_slice::samplers())
            .with(sampo_walkjump::samplers())
            .with(sampo_ensemble::samplers())
            .with(sampo_snf::samplers())
            .with(sampo_distributed::samplers())
            .with(sampo_sgld::samplers())
    })
}
