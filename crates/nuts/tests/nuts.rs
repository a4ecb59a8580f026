//! NUTS through nuts-rs: moments of a correlated Gaussian within 4 MCSE, exact
//! per-draw accounting, divergences reported, and the budget plan's guarantees.

use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, TargetRef};
use sampo_core::rng::stream;
use sampo_core::{
    Counted, Counter, EvalSource, GradTarget, Kernel, Outcome, Run, StepInfo, Target,
};
use sampo_metrics::ess::mcse_mean;
use sampo_nuts::{Nuts, NutsConfig, plan};
use sampo_targets::Gaussian;

/// Mean, and a covariance with correlation 0.9 between coordinates 0 and 1 and
/// scales 1, 3 and 0.3 (condition number ≈ 1900: the diagonal mass matrix must
/// adapt for NUTS to mix).
const MEAN: [f64; 3] = [1.0, -2.0, 0.5];
const COV: [f64; 9] = [1.0, 2.7, 0.0, 2.7, 9.0, 0.0, 0.0, 0.0, 0.09];

fn correlated() -> Gaussian {
    Gaussian::with_full_cov(MEAN.to_vec(), &COV).unwrap()
}

fn job(n: usize, budget: Budget, seed: u64) -> Job {
    Job {
        n,
        budget,
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    }
}

fn run(target: &AnyTarget, config: &str, job: &Job) -> Run {
    let entry = sampo_nuts::samplers().remove(0);
    let mut table = (entry.defaults)();
    table.extend(toml::from_str::<toml::Table>(config).unwrap());
    let sampler = (entry.build)(&table).unwrap();
    let counter = Counter::new();
    match sampler
        .run(TargetRef::new(target, &counter), job, Control::none())
        .unwrap()
    {
        Outcome::Finished(r) => {
            assert_eq!(r.evaluations, counter.counts());
            r
        }
        Outcome::Stopped { .. } => panic!("stopped"),
    }
}

#[test]
fn correlated_gaussian_moments_are_within_four_mcse() {
    let t = AnyTarget::Gradient(Box::new(correlated()));
    // 8 chains × 250 draws, 100 gradient evaluations per draw.
    let r = run(&t, "", &job(2000, Budget::gradient(100), 17));
    assert_eq!(r.samples.len(), 2000);
    let (chains, m) = (8, r.draws_per_chain);
    assert_eq!(chains * m, 2000);
    let col = |f: &dyn Fn(&[f64]) -> f64| -> Vec<Vec<f64>> {
        (0..chains)
            .map(|c| r.chain(c).chunks(3).map(f).collect())
            .collect()
    };
    let mut checks = Vec::new();
    for i in 0..3 {
        checks.push((format!("E[x{i}]"), col(&|x| x[i]), MEAN[i]));
        checks.push((
            format!("Var x{i}"),
            col(&|x| (x[i] - MEAN[i]).powi(2)),
            COV[4 * i],
        ));
    }
    checks.push((
        "Cov(x0, x1)".into(),
        col(&|x| (x[0] - MEAN[0]) * (x[1] - MEAN[1])),
        COV[1],
    ));
    for (name, chains, truth) in checks {
        let (est, se) = mcse_mean(&chains);
        assert!(
            (est - truth).abs() < 4.0 * se,
            "{name}: {est} vs {truth}, MCSE {se}"
        );
        // The test can fail: the MCSE is that of a few hundred effective draws.
        assert!(
            se < 0.1 * COV[0].max(truth.abs()).max(0.3),
            "{name}: MCSE {se}"
        );
    }
    let s = &r.diagnostics.stats;
    assert_eq!(s["tuning"], 0.0);
    assert_eq!(s["num_tune"], 400.0);
    assert!(s["divergent"] < 0.01, "{s:?}");
}

#[test]
fn every_draw_reports_its_leapfrog_gradients_and_respects_the_cap() {
    let g = Counted::new(correlated());
    let kernel = Nuts::new(
        &g,
        &NutsConfig {
            num_tune: 50,
            ..Default::default()
        },
    )
    .unwrap()
    .with_max_leapfrog_steps(20);
    let mut rng = stream(3, 0);
    let (mut state, init) = kernel.init(&[0.0; 3], &mut rng).unwrap();
    assert_eq!(g.counter().counts(), init);
    let mut spent = init;
    for i in 0..200 {
        let before = g.counter().counts();
        let info = kernel.step(&(), &mut state, &mut rng).unwrap();
        let e = info.evaluations();
        assert_eq!(g.counter().counts().since(&before), e, "draw {i}");
        assert!(e.gradient >= info.tree_steps, "draw {i}: {e:?} {info:?}");
        assert!(e.gradient <= 20, "draw {i}: {e:?}");
        // Exactly num_tune draws are tuning draws.
        assert_eq!(info.tuning, i < 50, "draw {i}");
        spent.gradient += e.gradient;
    }
    assert_eq!(state.draws(), 200);
    assert_eq!(g.counter().counts(), spent);
}

/// N(0, I₂) restricted to x₀ > 0: the log density is −∞ across the wall, which
/// nuts-rs must treat as a divergence, never as a state.
struct HalfPlane;
impl Target for HalfPlane {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        if x[0] > 0.0 {
            -0.5 * (x[0] * x[0] + x[1] * x[1])
        } else {
            f64::NEG_INFINITY
        }
    }
}
impl GradTarget for HalfPlane {
    fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = -x[0];
        g[1] = -x[1];
        self.log_density(x)
    }
}

#[test]
fn a_wall_gives_divergences_and_no_state_beyond_it() {
    let t = AnyTarget::Gradient(Box::new(HalfPlane));
    let mut j = job(200, Budget::gradient(200), 5);
    j.init = Init::Positions(sampo_core::Particles::from_rows(&[vec![1.0, 0.5]]).unwrap());
    let r = run(&t, "", &j);
    assert!(
        r.diagnostics.stats["divergent"] > 0.0,
        "{:?}",
        r.diagnostics.stats
    );
    assert!(r.samples.as_slice().chunks(2).all(|x| x[0] > 0.0));
}

#[test]
fn a_start_nuts_rs_refuses_is_a_named_error() {
    // ∂₁ log π̃ = 0 at x₁ = 0: nuts-rs's initial mass matrix would divide by it.
    let t = AnyTarget::Gradient(Box::new(HalfPlane));
    let mut j = job(10, Budget::gradient(1000), 5);
    j.init = Init::Positions(sampo_core::Particles::from_rows(&[vec![1.0, 0.0]]).unwrap());
    let entry = sampo_nuts::samplers().remove(0);
    let sampler = (entry.build)(&(entry.defaults)()).unwrap();
    let err = sampler
        .run(TargetRef::new(&t, &Counter::new()), &j, Control::none())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("initial position") && err.contains("coordinate 1"),
        "{err}"
    );
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn a_non_finite_start_is_a_named_error() {
    let t = AnyTarget::Gradient(Box::new(HalfPlane));
    let mut j = job(10, Budget::gradient(1000), 5);
    j.init = Init::Positions(sampo_core::Particles::from_rows(&[vec![-1.0, 0.0]]).unwrap());
    let entry = sampo_nuts::samplers().remove(0);
    let sampler = (entry.build)(&(entry.defaults)()).unwrap();
    let err = sampler
        .run(TargetRef::new(&t, &Counter::new()), &j, Control::none())
        .unwrap_err();
    assert!(err.to_string().contains("non-finite log density"), "{err}");
}

#[test]
fn the_plan_ends_tuning_inside_warm_up_and_never_overspends() {
    let c = NutsConfig::default();
    for (n, b) in [(12, 40), (12, 400), (2000, 100), (2000, 1000), (7, 5000)] {
        let p = plan(&job(n, Budget::gradient(b), 0), &c, 0).unwrap();
        let rc = &p.run;
        // Init margin (10) + every tuning draw at its cap fits in the warm-up.
        assert!(
            10 + p.num_tune * p.max_leapfrog_steps <= rc.warmup,
            "{n} {b}: {p:?}"
        );
        // Warm-up, draws and the two draws that may overrun fit in the share.
        let share = b * n as u64 / rc.chains as u64;
        assert!(
            rc.warmup + rc.draws + 2 * p.max_leapfrog_steps <= share,
            "{p:?}"
        );
        assert!(rc.warmup + rc.draws >= share * 9 / 10, "{p:?}");
        assert_eq!(rc.draws % rc.thin, 0);
        assert!(rc.draws / rc.thin * rc.chains as u64 >= n as u64);
    }
    let p = plan(&job(2000, Budget::gradient(1000), 0), &c, 0).unwrap();
    assert_eq!((p.run.chains, p.num_tune), (8, 400));
    let e = plan(&job(2000, Budget::gradient(2), 0), &c, 0).unwrap_err();
    assert!(e.to_string().contains("too small for nuts"), "{e}");
    let e = plan(&job(10, "density:1000".parse().unwrap(), 0), &c, 0).unwrap_err();
    assert!(e.to_string().contains("`density`"), "{e}");
    let e = plan(&job(10, "data-terms:1000".parse().unwrap(), 0), &c, 0).unwrap_err();
    assert!(e.to_string().contains("`data-terms`"), "{e}");
    // A finite sum of 50 terms: the budget counts 50 terms per gradient.
    let p = plan(&job(10, "data-terms:50000".parse().unwrap(), 0), &c, 50).unwrap();
    assert_eq!(p.run.warmup % 50, 0);
}
