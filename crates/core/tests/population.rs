//! Population kernels through the runner: the same thinning, observers, stops,
//! checkpoints and resume as chains; bit-identical output for any thread count;
//! particle-major samples with their log weights; a fixed schedule enforced.

use rayon::prelude::*;
use sampo_core::rng::{self, StreamRng};
use sampo_core::{
    CoreError, Counted, Diagnostics, EvalCounts, EvalSource, Outcome, Particles, PopulationKernel,
    RunConfig, Runner, StepInfo, StopAfter, Target,
};
use serde::{Deserialize, Serialize};

/// N(0, I_d).
struct Gauss(usize);
impl Target for Gauss {
    fn dim(&self) -> usize {
        self.0
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -0.5 * x.iter().map(|v| v * v).sum::<f64>()
    }
}

/// Every particle moves by the AR(1) step `x ← ρ x + √(1 − ρ²) ξ` (which leaves
/// N(0, I) invariant) and is weighted by `log π̃(x)` (one density evaluation per
/// particle and step). A schedule of `len` steps.
struct Ar1<'a> {
    target: &'a Counted<Gauss>,
    rho: f64,
    len: u64,
}

#[derive(Clone, Serialize, Deserialize)]
struct Pop {
    x: Vec<f64>,
    log_w: Vec<f64>,
    rngs: Vec<StreamRng>,
}

struct PopInfo {
    evaluations: EvalCounts,
    mean_sq: f64,
}
impl StepInfo for PopInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("mean_sq", self.mean_sq);
    }
}

impl PopulationKernel for Ar1<'_> {
    type State = Pop;
    type Info = PopInfo;
    fn dim(&self) -> usize {
        self.target.dim()
    }
    fn init(&self, x0: &Particles, seed: u64) -> Result<(Pop, EvalCounts), CoreError> {
        let n = x0.len();
        let log_w = x0.rows().map(|r| self.target.log_density(r)).collect();
        Ok((
            Pop {
                x: x0.as_slice().to_vec(),
                log_w,
                rngs: (0..n).map(|i| rng::stream(seed, i as u64)).collect(),
            },
            EvalCounts::density(n as u64),
        ))
    }
    fn step(&self, s: &mut Pop, _step: u64) -> Result<PopInfo, CoreError> {
        let d = self.dim();
        let c = (1.0 - self.rho * self.rho).sqrt();
        s.x.par_chunks_mut(d)
            .zip(s.rngs.par_iter_mut())
            .zip(s.log_w.par_iter_mut())
            .for_each(|((x, r), w)| {
                for v in x.iter_mut() {
                    *v = self.rho * *v + c * rng::standard_normal(r);
                }
                *w = self.target.log_density(x);
            });
        let n = s.log_w.len();
        Ok(PopInfo {
            evaluations: EvalCounts::density(n as u64),
            mean_sq: s.x.iter().map(|v| v * v).sum::<f64>() / s.x.len() as f64,
        })
    }
    fn positions<'s>(&self, s: &'s Pop) -> &'s [f64] {
        &s.x
    }
    fn log_weights<'s>(&self, s: &'s Pop) -> Option<&'s [f64]> {
        Some(&s.log_w)
    }
    fn schedule_len(&self) -> Option<u64> {
        Some(self.len)
    }
    fn diagnostics(&self, s: &Pop, d: &mut Diagnostics) {
        d.chain_acceptance = vec![1.0; s.log_w.len()];
    }
}

fn config() -> RunConfig {
    let mut c = RunConfig::new(50, 0, 12, 9);
    c.thin = 4;
    c.segment = 1;
    c
}

fn run(threads: usize, stop: Option<u64>, path: Option<&std::path::Path>) -> Outcome {
    let target = Counted::new(Gauss(3));
    let k = Ar1 {
        target: &target,
        rho: 0.8,
        len: 12,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut r = Runner::population(&k, config())
            .unwrap()
            .count_with(&target);
        if let Some(p) = path {
            r = r.checkpoint_to(p);
        }
        if let Some(s) = stop {
            r = r.observe(StopAfter(s));
        }
        let out = match (stop, path) {
            (None, Some(p)) => r.resume(p).unwrap(),
            _ => r.run(&Particles::repeat(&[1.0, 0.0, -1.0], 1)).unwrap(),
        };
        if let (Outcome::Finished(run), None) = (&out, path) {
            assert_eq!(run.evaluations, target.counts());
        }
        out
    })
}

#[test]
fn population_runs_are_thread_independent_and_keep_snapshots() {
    let Outcome::Finished(a) = run(1, None, None) else {
        panic!()
    };
    let Outcome::Finished(b) = run(2, None, None) else {
        panic!()
    };
    assert!(a.samples == b.samples && a.log_weights == b.log_weights);
    assert!(a.diagnostics == b.diagnostics);
    assert_eq!(a.chains, 50);
    assert_eq!(a.draws_per_chain, 3);
    assert_eq!(a.samples.len(), 150);
    // 50 at initialization, 50 per step.
    assert_eq!(a.evaluations, EvalCounts::density(50 * 13));
    assert_eq!(a.reported_evaluations, a.evaluations);
    // Particle-major: the last snapshot of particle i is its final position.
    let fin = a.diagnostics.final_positions.as_ref().unwrap();
    for i in 0..50 {
        assert_eq!(a.samples.row(i * 3 + 2), fin.row(i));
    }
    // Weights follow their rows.
    let w = a.log_weights.as_ref().unwrap();
    assert_eq!(w.len(), 150);
    for (r, lw) in a.samples.rows().zip(w) {
        assert_eq!(*lw, -0.5 * r.iter().map(|v| v * v).sum::<f64>());
    }
    assert!(a.diagnostics.stats.contains_key("mean_sq"));
    assert_eq!(a.diagnostics.chain_acceptance.len(), 50);
    assert_eq!(a.diagnostics.steps_per_chain, vec![12]);
}

#[test]
fn population_run_stops_and_resumes_bit_identically() {
    let dir = std::env::temp_dir().join(format!("sampo-pop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pop.ckpt.json");
    let Outcome::Finished(full) = run(2, None, None) else {
        panic!()
    };
    let Outcome::Stopped {
        step,
        partial,
        checkpoint,
    } = run(2, Some(5), Some(&path))
    else {
        panic!("should stop")
    };
    assert_eq!(step, 5);
    assert_eq!(checkpoint.as_deref(), Some(path.as_path()));
    assert_eq!(partial.draws_per_chain, 1);
    let Outcome::Finished(resumed) = run(1, None, Some(&path)) else {
        panic!()
    };
    assert!(resumed.samples == full.samples);
    assert!(resumed.log_weights == full.log_weights);
    assert!(resumed.diagnostics == full.diagnostics);
    assert_eq!(resumed.reported_evaluations, full.reported_evaluations);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_fixed_schedule_must_be_run_whole() {
    let target = Counted::new(Gauss(1));
    let k = Ar1 {
        target: &target,
        rho: 0.5,
        len: 12,
    };
    let e = Runner::population(&k, RunConfig::new(4, 0, 10, 1))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("fixed schedule of 12 steps"), "{e}");
}
