//! Every preset's analytic gradient agrees with central finite differences
//! (proptest over points near the target's typical set).

use proptest::prelude::*;
use sampo_conformance::all_presets;
use sampo_core::GradTarget;
use sampo_core::numdiff::check_gradient;

/// Test points: an exact draw (when the target has a sampler) moved by a Gaussian
/// offset of scale `jitter`, else `jitter`·z around 0.5·1 (off the axes, where the
/// axial-modes density is not differentiable only on a null set), and for particle
/// systems `jitter`/10 · z around a grid at their pair minimum (closer pairs make
/// r⁻¹² too steep for central differences at 10⁻⁶).
fn point(name: &str, t: &dyn GradTarget, seed: u64, jitter: f64) -> Vec<f64> {
    let d = t.dim();
    let mut r = sampo_core::rng::stream(seed, 1);
    let mut z = vec![0.0; d];
    sampo_core::rng::fill_standard_normal(&mut r, &mut z);
    let base = match t.exact_sampler() {
        Some(ex) => {
            let mut x = vec![0.0; d];
            ex.sample_exact(&mut sampo_core::rng::stream(seed, 0), &mut x);
            x
        }
        None if sampo_targets::preset_frame(name).is_some() => {
            let grid = sampo_conformance::start_point(name, d);
            return grid
                .iter()
                .zip(&z)
                .map(|(b, z)| b + 0.1 * jitter * z)
                .collect();
        }
        None => vec![0.5; d],
    };
    base.iter().zip(&z).map(|(b, z)| b + jitter * z).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn every_preset_gradient_matches_finite_differences(seed in any::<u64>(), jitter in 0.0f64..0.5) {
        for d in [2, 5] {
            for (name, t) in all_presets(d) {
                let x = point(&name, t.as_ref(), seed, jitter);
                prop_assert!(
                    check_gradient(t.as_ref(), &x, 1e-6).is_ok(),
                    "{}: {}", name, check_gradient(t.as_ref(), &x, 1e-6).unwrap_err()
                );
            }
        }
    }
}
