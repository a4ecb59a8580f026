//! Resolving `--target SPEC` and `--sampler SPEC`: a name (preset or sampler kind) or
//! the path of a TOML file with a `[target]` or `[sampler]` table.

use crate::BenchError;
use sampo_core::GradTarget;
use sampo_langevin::{LangevinConfig, MalaConfig, UlaConfig, UnderdampedConfig};
use sampo_targets::TargetConfig;
use serde::Deserialize;
use std::path::Path;

/// Sampler kinds reachable by name.
pub const SAMPLER_NAMES: &[&str] = &["ula", "mala", "underdamped"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    target: TargetConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplerFile {
    sampler: LangevinConfig,
}

fn is_file(spec: &str) -> bool {
    spec.ends_with(".toml") || Path::new(spec).is_file()
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &str) -> Result<T, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Io {
        path: path.into(),
        source,
    })?;
    // toml's error message carries the line and column of the problem.
    toml::from_str(&text).map_err(|e| BenchError::Toml {
        path: path.into(),
        message: e.to_string(),
    })
}

/// A preset name or a TOML file with a `[target]` table.
pub fn target(spec: &str) -> Result<Box<dyn GradTarget>, BenchError> {
    if is_file(spec) {
        let f: TargetFile = read_toml(spec)?;
        Ok(f.target.build()?)
    } else {
        Ok(sampo_targets::preset(spec)?)
    }
}

/// A sampler kind (with `step_size`) or a TOML file with a `[sampler]` table.
/// For a file, `step_size` overrides the file's value only when given.
pub fn sampler(spec: &str, step_size: Option<f64>) -> Result<LangevinConfig, BenchError> {
    let mut cfg = if is_file(spec) {
        let f: SamplerFile = read_toml(spec)?;
        f.sampler
    } else {
        // Default step for named samplers: 0.05 is stable on every preset whose
        // smallest scale is about 0.5 (ULA needs h < 2s²) and is overridden by
        // --step-size.
        let h = step_size.unwrap_or(0.05);
        match spec {
            "ula" => LangevinConfig::Ula(UlaConfig::new(h)),
            "mala" => LangevinConfig::Mala(MalaConfig::new(h)),
            "underdamped" => {
                LangevinConfig::Underdamped(UnderdampedConfig::new(h, 1.0, Default::default()))
            }
            other => {
                return Err(BenchError::UnknownSampler {
                    name: other.to_string(),
                    valid: SAMPLER_NAMES.join(", "),
                });
            }
        }
    };
    if let (Some(h), true) = (step_size, is_file(spec)) {
        match &mut cfg {
            LangevinConfig::Ula(c) => c.step_size = h,
            LangevinConfig::Mala(c) => c.step_size = h,
            LangevinConfig::Underdamped(c) => c.step_size = h,
        }
    }
    cfg.validate()?;
    Ok(cfg)
}
