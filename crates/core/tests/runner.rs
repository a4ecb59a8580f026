//! Runner contracts: thread-count independence, checkpoint/resume bit-identity,
//! warm-up adaptation hooks, errors naming step and chain.

use sampo_core::rng::{self, StreamRng};
use sampo_core::{
    CoreError, CostUnit, Counted, Divergence, EvalCounts, EvalSource, GradTarget, Kernel, Outcome,
    Particles, RunConfig, Runner, StepInfo, StopAfter, Target,
};
use serde::{Deserialize, Serialize};

/// N(0, I_d), with a NaN trap for x[0] > `nan_above` to exercise divergence handling.
struct Gauss {
    d: usize,
    nan_above: f64,
}
impl Target for Gauss {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        if x[0] > self.nan_above {
            return f64::NAN;
        }
        -0.5 * x.iter().map(|v| v * v).sum::<f64>()
    }
}
impl GradTarget for Gauss {
    fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi = -xi;
        }
        self.log_density(x)
    }
}

/// Random-walk Metropolis with a per-chain adaptive scale: enough to exercise every
/// runner hook (state, tuning, adaptation, acceptance, divergence, statistics).
/// With `extra_tries` > 0 each step also makes a random number (0 ..= extra_tries)
/// of further proposals from the same point and keeps the last: a kernel of
/// variable cost per step, like a slice sampler.
struct Rwm<'a> {
    target: &'a Counted<Gauss>,
    diverge_on_nan: bool,
    extra_tries: u64,
}
#[derive(Clone, Serialize, Deserialize)]
struct RwmState {
    x: Vec<f64>,
    lp: f64,
    prop: Vec<f64>,
}
#[derive(Clone, Serialize, Deserialize)]
struct Scale {
    log_h: f64,
}
struct Info(f64, u64);
impl StepInfo for Info {
    fn evaluations(&self) -> EvalCounts {
        EvalCounts::density(self.1)
    }
    fn acceptance(&self) -> Option<f64> {
        Some(self.0)
    }
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("tries", self.1 as f64);
    }
}
impl Kernel for Rwm<'_> {
    type State = RwmState;
    type Info = Info;
    type Tuning = Scale;
    fn dim(&self) -> usize {
        self.target.dim()
    }
    fn init(&self, x0: &[f64], _rng: &mut StreamRng) -> Result<(RwmState, EvalCounts), CoreError> {
        let lp = self.target.log_density(x0);
        if !lp.is_finite() {
            return Err(CoreError::NonFiniteLogDensity {
                step: 0,
                particle: 0,
                value: lp,
            });
        }
        Ok((
            RwmState {
                x: x0.to_vec(),
                lp,
                prop: x0.to_vec(),
            },
            EvalCounts::density(1),
        ))
    }
    fn initial_tuning(&self) -> Scale {
        Scale { log_h: 0.0 }
    }
    fn step(&self, t: &Scale, s: &mut RwmState, r: &mut StreamRng) -> Result<Info, Divergence> {
        let h = t.log_h.exp();
        let tries = 1 + if self.extra_tries > 0 {
            (rng::uniform(r) * (self.extra_tries + 1) as f64) as u64
        } else {
            0
        };
        let mut lp = f64::NAN;
        for _ in 0..tries {
            for (p, x) in s.prop.iter_mut().zip(&s.x) {
                *p = x + h * rng::standard_normal(r);
            }
            lp = self.target.log_density(&s.prop);
        }
        if lp.is_nan() && self.diverge_on_nan {
            return Err(Divergence {
                reason: "log density = NaN".into(),
            });
        }
        let a = if lp.is_nan() {
            0.0
        } else {
            (lp - s.lp).exp().min(1.0)
        };
        if rng::uniform(r) < a {
            std::mem::swap(&mut s.x, &mut s.prop);
            s.lp = lp;
        }
        Ok(Info(a, tries))
    }
    fn position<'s>(&self, s: &'s RwmState) -> &'s [f64] {
        &s.x
    }
    fn adapt(&self, t: &mut Scale, info: &Info, iter: u64) {
        // Robbins–Monro towards acceptance 0.44 (enough to make tuning stateful).
        t.log_h += (info.0 - 0.44) / (iter as f64).sqrt();
    }
    fn step_size(&self, t: &Scale) -> Option<f64> {
        Some(t.log_h.exp())
    }
}

fn config() -> RunConfig {
    let mut c = RunConfig::new(7, 150, 400, 2024);
    c.thin = 3;
    c.segment = 50;
    c
}

fn run_with_threads(threads: usize) -> sampo_core::Run {
    let target = Counted::new(Gauss {
        d: 3,
        nan_above: f64::INFINITY,
    });
    let k = Rwm {
        target: &target,
        diverge_on_nan: false,
        extra_tries: 0,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        Runner::new(&k, config())
            .unwrap()
            .count_with(&target)
            .run(&Particles::repeat(&[1.0, -1.0, 0.5], 1))
            .unwrap()
            .finished()
            .unwrap()
    })
}

#[test]
fn identical_output_for_one_and_two_threads() {
    let a = run_with_threads(1);
    let b = run_with_threads(2);
    assert_eq!(a.samples, b.samples);
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(a.evaluations, b.evaluations);
    // 7 chains × (150 + 400) steps, one density evaluation each, plus 7 at init.
    assert_eq!(a.evaluations.density, 7 * 550 + 7);
    assert_eq!(a.chains, 7);
    assert_eq!(a.draws_per_chain, 400 / 3);
    assert_eq!(a.samples.len(), 7 * (400 / 3));
    assert_eq!(a.diagnostics.acceptance_per_step.len(), 550);
    assert_eq!(a.diagnostics.step_sizes.len(), 7);
    // What the kernel reported equals what the counted target measured.
    assert_eq!(a.reported_evaluations, a.evaluations);
    // The key-value statistic reaches the run: one try per step here.
    assert_eq!(a.diagnostics.stats.get("tries"), Some(&1.0));
    assert_eq!(a.diagnostics.steps_per_chain, vec![550; 7]);
}

#[test]
fn stopped_and_resumed_run_is_bit_identical() {
    let dir = std::env::temp_dir().join(format!("sampo-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.ckpt.json");
    let target = Counted::new(Gauss {
        d: 3,
        nan_above: f64::INFINITY,
    });
    let k = Rwm {
        target: &target,
        diverge_on_nan: false,
        extra_tries: 0,
    };
    let init = Particles::repeat(&[1.0, -1.0, 0.5], 1);
    let full = Runner::new(&k, config())
        .unwrap()
        .count_with(&target)
        .run(&init)
        .unwrap()
        .finished()
        .unwrap();

    // Stop inside warm-up (k = 100) and again inside sampling (k = 300).
    target.reset();
    let out = Runner::new(&k, config())
        .unwrap()
        .count_with(&target)
        .checkpoint_to(&path)
        .observe(StopAfter(100))
        .run(&init)
        .unwrap();
    match out {
        Outcome::Stopped {
            step, checkpoint, ..
        } => {
            assert_eq!(step, 100);
            assert_eq!(checkpoint.as_deref(), Some(path.as_path()));
        }
        Outcome::Finished(_) => panic!("should have stopped"),
    }
    let out = Runner::new(&k, config())
        .unwrap()
        .count_with(&target)
        .checkpoint_to(&path)
        .observe(StopAfter(300))
        .resume(&path)
        .unwrap();
    let Outcome::Stopped { partial, .. } = out else {
        panic!("should have stopped at 300")
    };
    assert_eq!(partial.draws_per_chain, (300 - 150) / 3);
    let resumed = Runner::new(&k, config())
        .unwrap()
        .count_with(&target)
        .resume(&path)
        .unwrap()
        .finished()
        .unwrap();
    assert_eq!(resumed.samples, full.samples);
    assert_eq!(resumed.diagnostics, full.diagnostics);
    assert_eq!(resumed.evaluations, full.evaluations);

    // A checkpoint cannot be resumed under another config.
    let mut other = config();
    other.seed += 1;
    let err = Runner::new(&k, other).unwrap().resume(&path).unwrap_err();
    assert!(matches!(err, CoreError::Checkpoint { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn errors_name_step_and_chain() {
    let target = Counted::new(Gauss {
        d: 1,
        nan_above: 2.5,
    });
    let k = Rwm {
        target: &target,
        diverge_on_nan: true,
        extra_tries: 0,
    };
    let err = Runner::new(&k, RunConfig::new(4, 0, 100_000, 1))
        .unwrap()
        .run(&Particles::repeat(&[0.0], 1))
        .unwrap_err();
    match err {
        CoreError::Diverged {
            step,
            chain,
            reason,
        } => {
            assert!(step >= 1 && chain < 4, "{step} {chain}");
            assert!(reason.contains("NaN"));
        }
        e => panic!("unexpected {e}"),
    }
    // Non-finite start: the chain index is reported.
    let init = Particles::from_rows(&[vec![0.0], vec![0.0], vec![3.0], vec![0.0]]).unwrap();
    let err = Runner::new(&k, RunConfig::new(4, 0, 10, 1))
        .unwrap()
        .run(&init)
        .unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::NonFiniteLogDensity {
                particle: 2,
                step: 0,
                ..
            }
        ),
        "{err}"
    );
    // Config and shape errors.
    assert!(Runner::new(&k, RunConfig::new(0, 0, 10, 1)).is_err());
    let mut c = RunConfig::new(1, 0, 2, 1);
    c.thin = 5;
    let e = Runner::new(&k, c).err().unwrap().to_string();
    assert!(e.contains("draws"), "{e}");
    let e = Runner::new(&k, RunConfig::new(2, 0, 10, 1))
        .unwrap()
        .run(&Particles::zeros(1, 2))
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected 1, got 2"), "{e}");
    assert_eq!(target.counts().gradient, 0);
}

#[test]
fn run_config_reads_toml_like_json_and_rejects_unknown_fields() {
    let c: RunConfig =
        serde_json::from_str(r#"{"chains":4,"warmup":10,"draws":20,"seed":3}"#).unwrap();
    assert_eq!(c.thin, 1);
    assert!(
        serde_json::from_str::<RunConfig>(
            r#"{"chains":4,"warmup":10,"draws":20,"seed":3,"thinn":2}"#
        )
        .is_err()
    );
}

/// A cost-limited run: 6 chains of a kernel spending 1 to 4 density evaluations per
/// step, warm-up 300 evaluations (initialization included), then a draw every 50
/// evaluations until 8 are kept.
fn cost_config() -> RunConfig {
    let mut c = RunConfig::new(6, 300, 400, 77);
    c.thin = 50;
    c.segment = 40;
    c.cost_unit = Some(CostUnit::Density);
    c
}

fn variable_cost_run(
    threads: usize,
    stop_at: Option<u64>,
    path: Option<&std::path::Path>,
) -> Outcome {
    let target = Counted::new(Gauss {
        d: 2,
        nan_above: f64::INFINITY,
    });
    let k = Rwm {
        target: &target,
        diverge_on_nan: false,
        extra_tries: 3,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut r = Runner::new(&k, cost_config()).unwrap().count_with(&target);
        if let Some(p) = path {
            r = r.checkpoint_to(p);
        }
        if let Some(s) = stop_at {
            r = r.observe(StopAfter(s));
        }
        match (stop_at, path) {
            (None, Some(p)) if p.exists() => r.resume(p).unwrap(),
            _ => r.run(&Particles::repeat(&[0.5, -0.5], 1)).unwrap(),
        }
    })
}

#[test]
fn cost_limited_chains_stop_on_their_share() {
    let Outcome::Finished(a) = variable_cost_run(1, None, None) else {
        panic!("finished expected")
    };
    let Outcome::Finished(b) = variable_cost_run(2, None, None) else {
        panic!("finished expected")
    };
    assert_eq!(a.samples, b.samples);
    assert_eq!(a.diagnostics, b.diagnostics);
    assert_eq!(a.reported_evaluations, a.evaluations);
    assert_eq!(a.draws_per_chain, 400 / 50);
    // Chains take different numbers of steps (the cost per step varies) ...
    let steps = &a.diagnostics.steps_per_chain;
    assert!(steps.iter().any(|&s| s != steps[0]), "{steps:?}");
    // ... and each spends its share, overshooting by less than one step (4 evaluations):
    // warm-up ends at >= 300 and the last draw at >= 300 + 400, so in total between
    // 700 and 700 + 2·(4 − 1) per chain (at most 3 over at each of the two thresholds).
    let total = a.evaluations.density;
    assert!(
        (6 * 700..=6 * 706).contains(&total),
        "{total} density evaluations for 6 chains"
    );
    // Mean tries per step over the sampling steps: uniform on 1..=4, mean 2.5.
    let tries = a.diagnostics.stats["tries"];
    assert!((tries - 2.5).abs() < 0.3, "{tries}");
}

#[test]
fn cost_limited_run_resumes_bit_identically() {
    let dir = std::env::temp_dir().join(format!("sampo-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cost.ckpt.json");
    let Outcome::Finished(full) = variable_cost_run(2, None, None) else {
        panic!("finished expected")
    };
    let Outcome::Stopped { step, partial, .. } = variable_cost_run(2, Some(120), Some(&path))
    else {
        panic!("should stop")
    };
    assert!(step >= 120);
    assert!(partial.draws_per_chain < full.draws_per_chain);
    let Outcome::Finished(resumed) = variable_cost_run(1, None, Some(&path)) else {
        panic!("finished expected")
    };
    assert_eq!(resumed.samples, full.samples);
    assert_eq!(resumed.diagnostics, full.diagnostics);
    assert_eq!(resumed.evaluations, full.evaluations);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_budget_unit_the_kernel_never_spends_is_an_error_not_a_hang() {
    let target = Counted::new(Gauss {
        d: 1,
        nan_above: f64::INFINITY,
    });
    let k = Rwm {
        target: &target,
        diverge_on_nan: false,
        extra_tries: 0,
    };
    let mut c = RunConfig::new(2, 10, 100, 1);
    c.cost_unit = Some(CostUnit::Gradient);
    let e = Runner::new(&k, c)
        .unwrap()
        .run(&Particles::repeat(&[0.0], 1))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`gradient`") && e.contains("cannot limit"),
        "{e}"
    );
}

/// Exact N(0, 1) draws whose cost depends on the draw: 1 density evaluation when
/// x < 0, 9 when x ≥ 0 (as a slice sampler's or NUTS's cost depends on where it
/// goes).
struct CostlyRight;
#[derive(Clone, Serialize, Deserialize)]
struct Draw(Vec<f64>);
struct Cost(u64);
impl StepInfo for Cost {
    fn evaluations(&self) -> EvalCounts {
        EvalCounts::density(self.0)
    }
}
impl Kernel for CostlyRight {
    type State = Draw;
    type Info = Cost;
    type Tuning = ();
    fn dim(&self) -> usize {
        1
    }
    fn init(&self, x0: &[f64], _rng: &mut StreamRng) -> Result<(Draw, EvalCounts), CoreError> {
        Ok((Draw(x0.to_vec()), EvalCounts::density(1)))
    }
    fn initial_tuning(&self) {}
    fn step(&self, _t: &(), s: &mut Draw, r: &mut StreamRng) -> Result<Cost, Divergence> {
        s.0[0] = rng::standard_normal(r);
        Ok(Cost(if s.0[0] < 0.0 { 1 } else { 9 }))
    }
    fn position<'s>(&self, s: &'s Draw) -> &'s [f64] {
        &s.0
    }
}

/// Kept draws must follow the target, not the cost-weighted law: keeping the draw
/// whose step crosses each multiple of `thin` would give P(x ≥ 0) = 9/10.
#[test]
fn cost_limited_draws_are_not_biased_by_a_state_dependent_cost() {
    // 40 chains, each spending 20 000 evaluations after a warm-up of 100, keeping
    // 100 draws: ~4000 sampling steps each, so the kept draws are 40 steps apart.
    let mut c = RunConfig::new(40, 100, 20_000, 9);
    c.thin = 200;
    c.cost_unit = Some(CostUnit::Density);
    let run = Runner::new(&CostlyRight, c)
        .unwrap()
        .run(&Particles::repeat(&[0.0], 1))
        .unwrap()
        .finished()
        .unwrap();
    let x = run.samples.as_slice();
    assert_eq!(x.len(), 4000);
    // Independent draws: the MCSE of the fraction is that of a binomial.
    let p = x.iter().filter(|&&v| v >= 0.0).count() as f64 / x.len() as f64;
    let se = (0.25 / x.len() as f64).sqrt();
    assert!((p - 0.5).abs() < 4.0 * se, "P(x >= 0) = {p}, MCSE {se}");
    // Each chain spent its share: > 100 + 20 000, overshooting by < one step each.
    let total = run.evaluations.density;
    assert!((40 * 20_100..=40 * 20_116).contains(&total), "{total}");
    // The buffer was halved (about 4000 steps, 200 slots): not every step was kept.
    assert!(run.diagnostics.steps_per_chain.iter().all(|&s| s > 3000));
}
