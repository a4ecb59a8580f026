//! Closed forms: a target equal to the reference times e^c has ℓ = c everywhere, so
//! SMC goes to β = 1 in one stage with log Ẑ = c exactly and equal weights, every
//! AIS weight is c, and every PT swap is accepted.

mod common;

use common::{Shifted, run, stat};
use sampo_core::plugin::AnyTarget;
use sampo_targets::Gaussian;

const C: f64 = 2.25;

fn reference_times_constant() -> AnyTarget {
    AnyTarget::Gradient(Box::new(Shifted {
        inner: Gaussian::standard(3).unwrap(),
        c: C,
    }))
}

#[test]
fn smc_on_the_reference_is_exact_in_one_stage() {
    let run = run("smc", "", &reference_times_constant(), 64, 30, 4);
    assert!(
        (stat(&run, "log_z") - C).abs() < 1e-12,
        "{:?}",
        run.diagnostics.stats
    );
    assert_eq!(stat(&run, "stages"), 1.0);
    assert_eq!(
        stat(&run, "log_z_se"),
        0.0,
        "no resampling: plain IS, equal weights"
    );
    let lw = run.log_weights.as_ref().unwrap();
    assert!(lw.iter().all(|&l| (l - lw[0]).abs() < 1e-12));
    assert!((stat(&run, "final_ess") - 64.0).abs() < 1e-9);
}

#[test]
fn ais_on_the_reference_gives_every_particle_weight_c() {
    let run = run("ais", "", &reference_times_constant(), 32, 21, 4);
    assert_eq!(stat(&run, "temperatures"), 20.0);
    let lw = run.log_weights.as_ref().unwrap();
    assert!(lw.iter().all(|&l| (l - C).abs() < 1e-12), "{lw:?}");
    assert!((stat(&run, "log_z") - C).abs() < 1e-12);
    assert!(stat(&run, "log_z_se") < 1e-12);
}

#[test]
fn pt_on_the_reference_accepts_every_swap() {
    let run = run("pt", "", &reference_times_constant(), 20, 400, 4);
    assert_eq!(stat(&run, "swap_rate"), 1.0, "{:?}", run.diagnostics.stats);
}
