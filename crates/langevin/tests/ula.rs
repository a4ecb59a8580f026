//! ULA: stationary mean and (biased) variance on a Gaussian, divergence reporting.

mod common;

use common::*;
use sampo_core::{CoreError, Counted, EvalSource, Particles, RunConfig, Runner};
use sampo_langevin::{Ula, UlaConfig};

/// On N(μ, diag(s²)) ULA is stationary at N(μ, diag(s²/(1 − h/(2s²)))) (research
/// notes §4.1). With h = 0.5 and s = (1, 1.5) the exact variances are 4/3 and
/// 2.53125, more than 10 MCSE from the naive s² = (1, 2.25) (asserted): the test
/// fails if the step convention or the noise scale is wrong.
#[test]
fn ula_stationary_mean_and_variance_on_a_gaussian() {
    let target = Counted::new(DiagGaussian {
        mean: vec![1.0, -2.0],
        sd: vec![1.0, 1.5],
    });
    let h = 0.5;
    let kernel = Ula::new(&target, UlaConfig::new(h)).unwrap();
    // Burn-in 1000 steps: the slowest coordinate contracts by (1 − h/s²) = 0.78 per
    // step, so the start is forgotten entirely.
    let cfg = RunConfig::new(8, 1_000, 50_000, 11);
    let run = Runner::new(&kernel, cfg)
        .unwrap()
        .count_with(&target)
        .run(&Particles::repeat(&[0.0, 0.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    // One gradient at init and one per step, per chain.
    assert_eq!(target.counts().gradient, 8 * (1 + 51_000));
    assert_eq!(run.evaluations.gradient, 8 * (1 + 51_000));
    assert_eq!(run.diagnostics.step_sizes, vec![h; 8]);

    for (j, (m, s)) in [(1.0, 1.0), (-2.0f64, 1.5f64)].into_iter().enumerate() {
        let var = s * s / (1.0 - h / (2.0 * s * s));
        assert_within_4_mcse(&format!("mean x{j}"), &columns(&run, j, |x| x), m);
        // The mean is exact for ULA on a Gaussian, so centre at the true mean.
        let (_, mcse) = assert_within_4_mcse(
            &format!("Var x{j}"),
            &columns(&run, j, |x| (x - m).powi(2)),
            var,
        );
        assert!(
            (var - s * s).abs() > 10.0 * mcse,
            "test has no power: bias {} vs MCSE {mcse}",
            var - s * s
        );
    }
}

/// Chain 2 starts where the quartic's cubic drift overshoots (h·4x³ ≫ x), so it
/// explodes; chains 0 and 1 start near the mode, where x ↦ x − 0.4x³ is stable for
/// |x| < √5 and π(|x| > 2.2) ≈ e^{−23}. The runner must name chain 2.
#[test]
fn ula_divergence_names_step_and_chain() {
    let target = Quartic { d: 1 };
    let kernel = Ula::new(&target, UlaConfig::new(0.1)).unwrap();
    let init = Particles::from_rows(&[vec![0.1], vec![-0.1], vec![10.0]]).unwrap();
    let err = Runner::new(&kernel, RunConfig::new(3, 0, 100, 1))
        .unwrap()
        .run(&init)
        .unwrap_err();
    match &err {
        CoreError::Diverged {
            step,
            chain,
            reason,
        } => {
            assert_eq!(*chain, 2, "{err}");
            assert!((1..=10).contains(step), "{err}");
            assert!(reason.starts_with("ULA"), "{err}");
        }
        other => panic!("expected a divergence, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("chain 2") && msg.contains("step"), "{msg}");
}

/// A non-finite log density at the start is reported by `init`, not later.
#[test]
fn ula_init_rejects_non_finite_start() {
    use sampo_core::Kernel;
    let target = Truncated {
        edge: 0.0,
        outside: f64::NEG_INFINITY,
    };
    let kernel = Ula::new(&target, UlaConfig::new(0.1)).unwrap();
    assert!(matches!(
        kernel.init(&[1.0], &mut sampo_core::rng::stream(0, 0)),
        Err(CoreError::NonFiniteLogDensity { .. })
    ));
    assert!(matches!(
        kernel.init(&[0.0, 1.0], &mut sampo_core::rng::stream(0, 0)),
        Err(CoreError::DimensionMismatch { .. })
    ));
    assert!(
        kernel
            .init(&[f64::NAN], &mut sampo_core::rng::stream(0, 0))
            .is_err()
    );
    assert!(
        kernel
            .init(&[-1.0], &mut sampo_core::rng::stream(0, 0))
            .is_ok()
    );
}
