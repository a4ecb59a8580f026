//! The defaults on a double well with other coefficients than the paper's: the
//! reweighted P(x1 < 0) of n = 5000 samples, training included, against quadrature,
//! and the training's cost against the counted target.

use sampo_core::{Counted, EvalSource, Target};
use sampo_snf::SnfConfig;
use sampo_snf::plugin::training_cost;
use sampo_snf::sampler::{sample_flow, train_flow};
use sampo_targets::DoubleWell;

/// Self-normalized weights from log weights (max-shifted).
fn weights(log_w: &[f64]) -> Vec<f64> {
    let m = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|l| (l - m).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

#[test]
fn defaults_reweight_p_left_of_another_double_well_within_0_02() {
    // Left well deeper this time (a > 0), barrier lower than the paper's.
    let t = DoubleWell::with_coefficients(0.5, -4.0, 1.0).unwrap();
    let counted = Counted::new(&t);
    let cfg = SnfConfig::default();
    let (flow, cost) = train_flow(&counted, &cfg, 2024).unwrap();
    assert_eq!(cost, counted.counter().counts(), "training's reported cost");
    assert_eq!(cost, training_cost(&cfg, 2), "training's planned cost");
    let n = 5000;
    let (x, log_w, _) = sample_flow(&flow, &t, n, 7).unwrap();
    let w = weights(&log_w);
    let p: f64 = x
        .chunks_exact(2)
        .zip(&w)
        .filter(|(r, _)| r[0] < 0.0)
        .map(|(_, w)| w)
        .sum();
    let kish = 1.0 / w.iter().map(|v| v * v).sum::<f64>();
    let truth = t.prob_left();
    eprintln!("P(x1<0) = {p:.4} vs {truth:.4}; Kish ESS {kish:.0} of {n}");
    assert!((p - truth).abs() < 0.02, "{p} vs {truth} (ESS {kish})");
    assert!(x.iter().all(|v| v.is_finite()) && t.dim() == 2);
}

/// A flow saved by one run and loaded by another (`save` / `load`) samples the same,
/// and the loaded flow's own layers set the cost per sample, whatever the config's
/// architecture says.
#[test]
fn a_loaded_flow_sets_its_own_cost() {
    use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, TargetRef};
    let dir = std::env::temp_dir().join(format!("sampo-snf-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("flow.json");
    let t = DoubleWell::new();
    // A small training-free-sized flow: 1 transform, no blocks, a few KL steps.
    let cfg = SnfConfig {
        flow: sampo_snf::FlowConfig {
            transforms: 1,
            hidden: vec![4],
        },
        blocks: sampo_snf::BlockConfig {
            kind: sampo_snf::BlockKind::None,
            ..Default::default()
        },
        train: sampo_snf::TrainConfig {
            ml_iterations: 0,
            mixed_iterations: 0,
            kl_iterations: 3,
            batch: 8,
            ..Default::default()
        },
        data: sampo_snf::DataConfig {
            source: sampo_snf::DataSource::None,
            n: 1,
        },
        save: Some(path.clone()),
        ..SnfConfig::default()
    };
    let (flow, _) = train_flow(&t, &cfg, 1).unwrap();
    // The loading config names the default architecture (with Metropolis blocks).
    let mut table = sampo_core::plugin::to_table(&SnfConfig::default());
    table.insert("load".into(), path.to_string_lossy().into_owned().into());
    let entry = sampo_snf::samplers()
        .into_iter()
        .find(|e| e.name == "snf")
        .unwrap();
    let s = (entry.build)(&table).unwrap();
    assert_eq!(s.fixed_cost(2), Some(sampo_core::EvalCounts::density(1)));
    assert_eq!(s.setup_cost(2), sampo_core::EvalCounts::ZERO);
    let target = AnyTarget::Gradient(Box::new(DoubleWell::new()));
    let counter = sampo_core::Counter::new();
    let job = Job {
        n: 6,
        budget: Budget::gradient(1),
        chains: None,
        seed: 2,
        init: Init::Normal { scale: 1.0 },
    };
    let run = s
        .run(TargetRef::new(&target, &counter), &job, Control::none())
        .unwrap()
        .finished()
        .unwrap();
    assert_eq!(run.evaluations, sampo_core::EvalCounts::density(6));
    let (x, lw, _) = sample_flow(&flow, &t, 6, 2).unwrap();
    assert_eq!(run.samples.as_slice(), &x[..]);
    assert_eq!(run.log_weights.unwrap(), lw);
    std::fs::remove_dir_all(&dir).ok();
}
