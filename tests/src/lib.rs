//! Cross-crate conformance tests for Sampo live in `tests/tests/`: every target and
//! sampler honours the core protocol (Send + Sync, gradients agree with finite
//! differences, configs round-trip through TOML, every kernel runs on every preset
//! with exact evaluation accounting).
//!
//! This library holds the shared helpers.

use sampo_core::GradTarget;

/// Every preset name, with `<d>` replaced by `d`.
pub fn preset_instances(d: usize) -> Vec<String> {
    sampo_targets::preset_names()
        .into_iter()
        .map(|n| n.replace("<d>", &d.to_string()))
        .collect()
}

/// Builds every preset (with `<d>` = `d`), panicking with the name on failure.
pub fn all_presets(d: usize) -> Vec<(String, Box<dyn GradTarget>)> {
    preset_instances(d)
        .into_iter()
        .map(|n| {
            let t = sampo_targets::preset(&n).unwrap_or_else(|e| panic!("preset {n}: {e}"));
            (n, t)
        })
        .collect()
}
