//! Cross-crate conformance tests for Sampo live in `tests/tests/`: every target and
//! sampler honours the core protocol (Send + Sync, gradients agree with finite
//! differences, configs round-trip through TOML, every kernel runs on every preset
//! with exact evaluation accounting).
//!
//! This library holds the shared helpers.

use sampo_core::GradTarget;

/// Every preset name, with `<d>` (and φ⁴'s lattice side `<L>`) replaced by `d`.
pub fn preset_instances(d: usize) -> Vec<String> {
    sampo_targets::preset_names()
        .into_iter()
        .map(|n| {
            n.replace("<d>", &d.to_string())
                .replace("<L>", &d.to_string())
        })
        .collect()
}

/// A point where preset `name` (of dimension `dim`, no exact sampler) has a finite
/// log density and moderate gradients: particle systems on a cubic grid at about
/// their pair minimum (DW-4's d0 = 4, Lennard-Jones' r_m = 1, slightly stretched),
/// every other target at 1.
pub fn start_point(name: &str, dim: usize) -> Vec<f64> {
    let Some(f) = sampo_targets::preset_frame(name) else {
        return vec![1.0; dim];
    };
    let (n, s) = (f.particles(), f.spatial_dim());
    let spacing = if name == "dw4" { 4.0 } else { 1.12 };
    let side = (1..)
        .find(|k: &usize| k.pow(s as u32) >= n)
        .expect("finite");
    let mut x = vec![0.0; n * s];
    for i in 0..n {
        let mut rest = i;
        for c in 0..s {
            x[i * s + c] = spacing * (rest % side) as f64;
            rest /= side;
        }
    }
    x
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

/// The finite-sum target of the registry checks and pins: a 2-D Bayesian linear
/// regression over `points` synthetic points (seed 10, features N(0, I)), noise std 4,
/// prior std 3, as `kind = "linear-regression"` with `synthetic = { points, dim = 2,
/// seed = 10 }` builds it.
pub fn regression(points: usize) -> sampo_core::plugin::AnyTarget {
    use sampo_targets::{DataSource, LinearRegression, Synthetic};
    let src = DataSource {
        synthetic: Some(Synthetic {
            points,
            dim: 2,
            seed: 10,
            feature_std: 1.0,
        }),
        ..DataSource::default()
    };
    let design = src
        .design(3.0, LinearRegression::respond(4.0))
        .expect("valid synthetic data");
    sampo_core::plugin::AnyTarget::FiniteSum(Box::new(
        LinearRegression::new(design, 4.0, 3.0).expect("valid regression"),
    ))
}

/// Runs a built sampler's `job` on `target` to the end, counted.
pub fn run_built(
    built: &sampo_core::plugin::Built,
    target: &sampo_core::plugin::AnyTarget,
    job: &sampo_core::plugin::Job,
) -> sampo_core::Run {
    let counter = sampo_core::Counter::new();
    built
        .sampler
        .run(
            sampo_core::plugin::TargetRef::new(target, &counter),
            job,
            sampo_core::plugin::Control::none(),
        )
        .expect("the run succeeds")
        .finished()
        .expect("no observer stops it")
}
