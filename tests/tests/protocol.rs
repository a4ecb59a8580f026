//! Protocol conformance: Send + Sync, TOML round-trips, evaluation accounting.

use sampo_conformance::all_presets;
use sampo_core::{Counted, EvalSource, GradTarget, Particles, RunConfig, Runner, Target};
use sampo_langevin::{
    AnyLangevin, DualAveraging, LangevinConfig, Mala, MalaConfig, Splitting, Ula, UlaConfig,
    Underdamped, UnderdampedConfig,
};
use sampo_targets::{
    AxialModes, Cauchy, DoubleWell, Funnel, Gaussian, GaussianMixture, HyperplaneDisk, ManyWell,
    Rings, TargetConfig,
};
use serde::{Serialize, de::DeserializeOwned};

fn send_sync<T: Send + Sync>() {}

#[test]
fn every_target_and_sampler_is_send_and_sync() {
    send_sync::<Gaussian>();
    send_sync::<GaussianMixture>();
    send_sync::<Funnel>();
    send_sync::<ManyWell>();
    send_sync::<DoubleWell>();
    send_sync::<Rings>();
    send_sync::<Cauchy>();
    send_sync::<HyperplaneDisk>();
    send_sync::<AxialModes>();
    send_sync::<Box<dyn GradTarget>>();
    send_sync::<Counted<Box<dyn GradTarget>>>();
    send_sync::<Ula<Box<dyn GradTarget>>>();
    send_sync::<Mala<Box<dyn GradTarget>>>();
    send_sync::<Underdamped<Box<dyn GradTarget>>>();
    send_sync::<AnyLangevin<&Counted<Box<dyn GradTarget>>>>();
    send_sync::<LangevinConfig>();
    send_sync::<TargetConfig>();
    send_sync::<RunConfig>();
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct Wrapped<T> {
    table: T,
}

/// TOML needs a table at the top level: wrap, write, read back, compare.
fn toml_round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: T) {
    let w = Wrapped { table: v };
    let text = toml::to_string(&w).unwrap_or_else(|e| panic!("serialize {w:?}: {e}"));
    let back: Wrapped<T> = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    assert_eq!(back, w, "TOML:\n{text}");
}

#[test]
fn configs_round_trip_through_toml() {
    toml_round_trip(LangevinConfig::Ula(UlaConfig::new(0.1)));
    toml_round_trip(LangevinConfig::Mala(MalaConfig::new(0.2)));
    toml_round_trip(LangevinConfig::Mala(
        MalaConfig::new(0.2).with_adaptation(DualAveraging::default()),
    ));
    for s in [Splitting::Baoab, Splitting::Obabo, Splitting::Aboba] {
        toml_round_trip(LangevinConfig::Underdamped(UnderdampedConfig::new(
            0.3, 2.0, s,
        )));
    }
    let mut rc = RunConfig::new(4, 10, 100, 9);
    rc.thin = 2;
    rc.checkpoint_every = 50;
    toml_round_trip(rc);
    // Targets: a preset, and user-defined ones from TOML text.
    let preset: TargetConfig =
        toml::from_str::<Wrapped<TargetConfig>>("[table]\npreset = \"gmm40-fab\"\n")
            .unwrap()
            .table;
    toml_round_trip(preset);
    for text in [
        "[table]\nkind = \"gmm\"\nweights = [1.0, 3.0]\nmeans = [[0.0, 0.0], [4.0, 1.0]]\nstds = [1.0, 0.5]\n",
        "[table]\nkind = \"gaussian\"\nmean = [1.0, 2.0]\ncov = [[2.0, 0.5], [0.5, 1.0]]\n",
        "[table]\nkind = \"funnel\"\n",
    ] {
        let c: Wrapped<TargetConfig> =
            toml::from_str(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
        c.table.build().unwrap_or_else(|e| panic!("{text}\n{e}"));
        toml_round_trip(c.table);
    }
}

#[test]
fn unknown_fields_are_rejected_everywhere() {
    assert!(
        toml::from_str::<Wrapped<LangevinConfig>>("[table]\nkind = \"ula\"\nstep = 0.1\n").is_err()
    );
    assert!(
        toml::from_str::<Wrapped<TargetConfig>>("[table]\nkind = \"funnel\"\nsigma = 2.0\n")
            .is_err()
    );
    assert!(
        toml::from_str::<Wrapped<RunConfig>>(
            "[table]\nchains = 1\nwarmup = 0\ndraws = 1\nseed = 0\nburnin = 3\n"
        )
        .is_err()
    );
}

/// Every kernel runs on every preset through the runner, and the evaluation count is
/// exactly one fused evaluation per chain at initialization plus one per step.
#[test]
fn every_kernel_runs_on_every_preset_with_exact_accounting() {
    let configs = [
        LangevinConfig::Ula(UlaConfig::new(1e-3)),
        LangevinConfig::Mala(MalaConfig::new(1e-3).with_adaptation(DualAveraging::default())),
        LangevinConfig::Underdamped(UnderdampedConfig::new(1e-3, 1.0, Splitting::Baoab)),
        LangevinConfig::Underdamped(UnderdampedConfig::new(1e-3, 1.0, Splitting::Obabo)),
        LangevinConfig::Underdamped(UnderdampedConfig::new(1e-3, 1.0, Splitting::Aboba)),
    ];
    for (name, t) in all_presets(3) {
        let target = Counted::new(t);
        let d = target.dim();
        // Start where the density is finite: an exact draw, else a point near 1
        // (particle systems: a grid at their pair minimum).
        let init = match target.exact_sampler() {
            Some(ex) => ex.sample_exact_n(4, 11),
            None => Particles::repeat(&sampo_conformance::start_point(&name, d), 4),
        };
        for cfg in &configs {
            target.reset();
            let kernel = cfg.build(&target).unwrap();
            let run = Runner::new(&kernel, RunConfig::new(4, 5, 20, 3))
                .unwrap()
                .count_with(&target)
                .run(&init)
                .unwrap_or_else(|e| panic!("{name} / {}: {e}", cfg.kind()))
                .finished()
                .unwrap();
            assert_eq!(run.samples.len(), 4 * 20, "{name}");
            assert!(
                run.samples.as_slice().iter().all(|v| v.is_finite()),
                "{name}"
            );
            assert_eq!(
                run.evaluations.gradient,
                4 * (1 + 25),
                "{name} / {}",
                cfg.kind()
            );
            assert_eq!(target.counts(), run.evaluations, "{name}");
        }
    }
}
