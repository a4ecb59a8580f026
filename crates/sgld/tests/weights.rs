//! Step-weighted output of the registry's SGLD samplers with a decaying schedule:
//! each kept draw x_s carries `ln Σ_{u=s−thin+1}^{s} h_u` (Welling & Teh 2011, §4),
//! and row k of chain c is that chain's position after step s = W + (k + 1)·thin.

mod common;

use common::*;
use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, TargetRef};
use sampo_core::rng::stream;
use sampo_core::{Counter, Kernel};
use sampo_sgld::{Schedule, Sgld, SgldConfig};

fn run(table: &str, job: &Job) -> sampo_core::Run {
    let t = AnyTarget::FiniteSum(Box::new(target()));
    let table: toml::Table = toml::from_str(table).unwrap();
    let entry = sampo_sgld::samplers()
        .into_iter()
        .find(|e| e.name == "sgld")
        .unwrap();
    let mut full = (entry.defaults)();
    full.extend(table);
    let sampler = (entry.build)(&full).unwrap();
    let counter = Counter::new();
    sampler
        .run(TargetRef::new(&t, &counter), job, Control::none())
        .unwrap()
        .finished()
        .unwrap()
}

#[test]
fn decaying_steps_weight_each_draw_by_its_window() {
    // 2 chains × 400 data terms = 200 steps of 2 terms each: warm-up 100, then 2
    // draws per chain at thin 50 (steps 150 and 200).
    let job = Job {
        n: 4,
        budget: Budget {
            unit: sampo_core::CostUnit::DataTerms,
            per_sample: 200,
        },
        chains: Some(2),
        seed: 5,
        init: Init::Normal { scale: 1.0 },
    };
    let schedule = Schedule::Polynomial {
        b: 5.0,
        gamma: 0.55,
    };
    let out = run(
        "step_size = 0.01\nbatch_size = 2\nschedule = { kind = \"polynomial\", b = 5.0, gamma = 0.55 }",
        &job,
    );
    let w = out.log_weights.as_ref().expect("weighted output");
    assert_eq!((out.chains, out.draws_per_chain, w.len()), (2, 2, 4));
    let init = job.initial_positions(2, 2).unwrap();
    let t = target();
    let k = Sgld::new(
        &t,
        SgldConfig {
            schedule,
            ..SgldConfig::new(0.01, 2)
        },
    )
    .unwrap();
    for c in 0..2 {
        let mut rng = stream(5, c as u64);
        let (mut st, _) = k.init(init.row(c), &mut rng).unwrap();
        let mut s = 0;
        for draw in 0..2 {
            let at = 100 + (draw + 1) * 50;
            while s < at {
                k.step(&(), &mut st, &mut rng).unwrap();
                s += 1;
            }
            let row = c * 2 + draw as usize;
            assert_eq!(
                out.samples.row(row),
                st.position(),
                "chain {c}, draw {draw}"
            );
            let want = (at - 49..=at)
                .map(|u| 0.01 * (1.0 + u as f64 / 5.0).powf(-0.55))
                .sum::<f64>()
                .ln();
            assert!(
                (w[row] - want).abs() < 1e-12,
                "row {row}: {} vs {want}",
                w[row]
            );
        }
    }
    // Later windows have smaller steps: lighter draws.
    assert!(w[1] < w[0] && w[3] < w[2]);
    // A constant step needs no weights.
    let flat = run("step_size = 0.01\nbatch_size = 2", &job);
    assert!(flat.log_weights.is_none());
}
