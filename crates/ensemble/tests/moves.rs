//! Statistical and protocol tests of emcee's ensemble moves (`sampo_ensemble::moves`).
//!
//! **Invariance** (KS): R independent ensembles start at exact draws of the target
//! (π^{⊗W}, which a step leaves invariant), run k steps, and give one walker each,
//! so the R values are i.i.d. draws of π exactly when the move is correct and the
//! KS test's assumptions hold (walkers of one ensemble are dependent after a step;
//! walkers of different ensembles are not). **Moments** on a correlated 10-D
//! Gaussian: the ensemble-mean series `m_t = (1/W) Σ_i f(x_i(t))` is one stationary
//! series whose autocorrelation carries both the time and the cross-walker
//! correlation, so its MCSE (Geyer's ESS) is the honest error bar of the run's mean.

use rayon::prelude::*;
use sampo_core::plugin::{
    AnyTarget, Budget, Control, Init, Job, Registry, SamplerEntry, TargetRef,
};
use sampo_core::rng::StreamRng;
use sampo_core::{
    CoreError, CostUnit, Counter, EvalSource, ExactSampler, Outcome, Particles, PopulationKernel,
    Run, RunConfig, StopAfter, Target,
};
use sampo_ensemble::moves::config::default_walkers;
use sampo_ensemble::moves::kernel::uniform_index;
use sampo_ensemble::moves::{
    DeMoveConfig, Ensemble, EnsembleKernel, Move, MoveConfig, Parallelism, Stretch, StretchConfig,
    WalkMoveConfig,
};
use sampo_metrics::ess::mcse_mean;
use sampo_metrics::hypothesis::ks_test;
use sampo_targets::quadrature::normal_cdf;
use sampo_targets::{Gaussian, GaussianMixture};

/// KS p-values below this fail: over the ~20 fixed-seed KS comparisons here, a
/// correct move fails one with probability ~2 %.
const KS_P: f64 = 1e-3;

/// Independent ensembles per KS test: the KS test then resolves CDF errors of
/// ~1.9/√R ≈ 0.03 at p = 1e-3.
const ENSEMBLES: usize = 4000;

/// Walkers per ensemble in the 2-D KS tests: halves of 4, far below the default
/// rule's 32, so that the moves are tested where each walker's complement is small
/// (and a walk subset of 2 is a real subset).
const KS_WALKERS: usize = 8;

/// Steps per ensemble in the KS tests: enough for a wrong kernel to drift.
const KS_STEPS: u64 = 10;

/// N((1, −2), [[2, 1.2], [1.2, 1]]): correlation 0.85, unequal scales.
fn gauss2() -> Gaussian {
    Gaussian::with_full_cov(vec![1.0, -2.0], &[2.0, 1.2, 1.2, 1.0]).unwrap()
}

/// 0.3 N((−1.5, 0.5), 0.6² I) + 0.7 N((1, −0.5), 0.9² I).
fn mixture2() -> GaussianMixture {
    GaussianMixture::isotropic(
        vec![0.3, 0.7],
        vec![vec![-1.5, 0.5], vec![1.0, -0.5]],
        &[0.6, 0.9],
    )
    .unwrap()
}

/// Final positions of `steps` steps of the move of `config` with W walkers started
/// at exact draws of `target` (seed `seed` for both).
fn final_positions<C: MoveConfig, T: ExactSampler>(
    config: &C,
    target: &T,
    walkers: usize,
    steps: u64,
    seed: u64,
) -> Vec<f64> {
    let ensemble = Ensemble::new(config.clone()).unwrap();
    let kernel = ensemble
        .kernel(target, walkers)
        .unwrap()
        .with_parallelism(Parallelism::Sequential);
    let x0 = target.sample_exact_n(walkers, seed ^ 0x5EED);
    let (mut state, _) = kernel.init(&x0, seed).unwrap();
    for s in 1..=steps {
        kernel.step(&mut state, s).unwrap();
    }
    kernel.positions(&state).to_vec()
}

/// Coordinate j (or `proj · x` when `proj` is given) of one walker from each of
/// [`ENSEMBLES`] independent ensembles after [`KS_STEPS`] steps.
fn one_walker_each<C: MoveConfig, T: ExactSampler>(config: &C, target: &T) -> Vec<Vec<f64>> {
    let d = target.dim();
    let rows: Vec<Vec<f64>> = (0..ENSEMBLES)
        .into_par_iter()
        .map(|r| {
            let pos = final_positions(config, target, KS_WALKERS, KS_STEPS, 1000 + r as u64);
            // Walker r mod W: both halves contribute, one walker per ensemble.
            let i = r % KS_WALKERS;
            pos[i * d..(i + 1) * d].to_vec()
        })
        .collect();
    rows
}

fn ks_gauss2<C: MoveConfig>(config: C) {
    let t = gauss2();
    let rows = one_walker_each(&config, &t);
    // x₀, x₁ and x₀ − x₁ (variance 2 + 1 − 2·1.2 = 0.6): marginals and the
    // correlation.
    let checks: [(&str, [f64; 2], f64, f64); 3] = [
        ("x0", [1.0, 0.0], 1.0, 2.0),
        ("x1", [0.0, 1.0], -2.0, 1.0),
        ("x0 - x1", [1.0, -1.0], 3.0, 0.6),
    ];
    for (name, a, mean, var) in checks {
        let v: Vec<f64> = rows.iter().map(|x| a[0] * x[0] + a[1] * x[1]).collect();
        let ks = ks_test(&v, |s| normal_cdf((s - mean) / var.sqrt()));
        assert!(
            ks.p_value > KS_P,
            "{}: {name}: KS D = {}, p = {}",
            C::KIND,
            ks.statistic,
            ks.p_value
        );
    }
}

fn ks_mixture2<C: MoveConfig>(config: C) {
    let t = mixture2();
    let rows = one_walker_each(&config, &t);
    for j in 0..2 {
        let v: Vec<f64> = rows.iter().map(|x| x[j]).collect();
        let ks = ks_test(&v, |s| t.marginal_cdf(j, s));
        assert!(
            ks.p_value > KS_P,
            "{}: x{j}: KS D = {}, p = {}",
            C::KIND,
            ks.statistic,
            ks.p_value
        );
    }
}

#[test]
fn stretch_leaves_a_correlated_gaussian_invariant() {
    ks_gauss2(StretchConfig::default());
}

#[test]
fn stretch_leaves_a_gaussian_mixture_invariant() {
    ks_mixture2(StretchConfig::default());
}

#[test]
fn stretch_with_a_large_scale_leaves_the_mixture_invariant() {
    ks_mixture2(StretchConfig {
        a: 4.0,
        walkers: None,
    });
}

#[test]
fn walk_move_leaves_a_correlated_gaussian_invariant() {
    ks_gauss2(WalkMoveConfig::default());
}

#[test]
fn walk_move_leaves_a_gaussian_mixture_invariant() {
    ks_mixture2(WalkMoveConfig::default());
}

#[test]
fn walk_move_with_a_subset_leaves_the_mixture_invariant() {
    // |S| = 2 of the half of 4: the partial Fisher–Yates path.
    ks_mixture2(WalkMoveConfig {
        subset: 2,
        walkers: None,
    });
}

#[test]
fn de_move_leaves_a_correlated_gaussian_invariant() {
    ks_gauss2(DeMoveConfig::default());
}

#[test]
fn de_move_leaves_a_gaussian_mixture_invariant() {
    // A wide jitter as well: γ's law must not matter for invariance.
    ks_mixture2(DeMoveConfig {
        sigma: 0.5,
        ..DeMoveConfig::default()
    });
}

/// The stretch move without its `z^{d−1}` factor: a wrong kernel.
struct NoJacobian(Stretch);

impl Move for NoJacobian {
    type Scratch = ();
    fn scratch(&self, _d: usize, _half: usize) {}
    fn propose(
        &self,
        x: &[f64],
        complement: &[f64],
        rng: &mut StreamRng,
        scratch: &mut (),
        y: &mut [f64],
    ) -> f64 {
        self.0.propose(x, complement, rng, scratch, y);
        0.0
    }
}

#[test]
fn the_ks_design_detects_a_stretch_without_its_jacobian() {
    // In d = 6 the missing factor z⁵ favours contractions: the walkers shrink
    // towards each other, and the design above must see it.
    let t = Gaussian::standard(6).unwrap();
    let (w, d) = (14, 6);
    let mv = Stretch::new(&StretchConfig::default(), d).unwrap();
    let v: Vec<f64> = (0..ENSEMBLES)
        .into_par_iter()
        .map(|r| {
            let kernel = EnsembleKernel::new(NoJacobian(mv), &t, w).unwrap();
            let x0 = t.sample_exact_n(w, r as u64 ^ 0x5EED);
            let (mut st, _) = kernel.init(&x0, r as u64).unwrap();
            for s in 1..=KS_STEPS {
                kernel.step(&mut st, s).unwrap();
            }
            kernel.positions(&st)[(r % w) * d]
        })
        .collect();
    let ks = ks_test(&v, normal_cdf);
    assert!(
        ks.p_value < KS_P,
        "a wrong kernel passed: p = {}",
        ks.p_value
    );
    // The correct move on the same design passes.
    let v: Vec<f64> = (0..ENSEMBLES)
        .into_par_iter()
        .map(|r| {
            let pos = final_positions(&StretchConfig::default(), &t, w, KS_STEPS, r as u64);
            pos[(r % w) * d]
        })
        .collect();
    let ks = ks_test(&v, normal_cdf);
    assert!(ks.p_value > KS_P, "p = {}", ks.p_value);
}

/// Σ = D R D in d = 10 with `R_ij = 0.7^{|i−j|}` and standard deviations from 0.3
/// to 3 (a condition number ~10³, which an affine-invariant move does not see).
fn gauss10() -> Gaussian {
    let d = 10;
    let sd: Vec<f64> = (0..d).map(|i| 0.3 * 10f64.powf(i as f64 / 9.0)).collect();
    let mut cov = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            cov[i * d + j] = sd[i] * sd[j] * 0.7f64.powi((i as i32 - j as i32).abs());
        }
    }
    let mean: Vec<f64> = (0..d).map(|i| i as f64 * 0.5 - 2.0).collect();
    Gaussian::with_full_cov(mean, &cov).unwrap()
}

/// The ensemble-mean series `(1/W) Σ_i f(x_i(t))` of coordinate j.
fn ensemble_series(run: &Run, j: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let (w, m, d) = (run.chains, run.draws_per_chain, run.samples.dim());
    (0..m)
        .map(|t| (0..w).map(|c| f(run.chain(c)[t * d + j])).sum::<f64>() / w as f64)
        .collect()
}

fn moments_gauss10<C: MoveConfig>(config: C, steps: u64) {
    let t = gauss10();
    let d = 10;
    let w = default_walkers(1_000_000, d);
    assert_eq!(w, 32);
    let x0 = t.sample_exact_n(w, 77);
    let mut rc = RunConfig::new(w, 1000, steps, 78);
    // Thinning by 4 keeps the series well resolved (IATs of the means are tens of
    // steps) at a quarter of the memory.
    rc.thin = 4;
    let run = Ensemble::new(config)
        .unwrap()
        .sample_with(&t, &x0, rc)
        .unwrap();
    assert_eq!(run.evaluations.density, w as u64 * (1 + 1000 + steps));
    let cov = t.covariance();
    for j in 0..d {
        let mu = t.mean()[j];
        let var = cov.variance(j);
        let (m, se) = mcse_mean(&[ensemble_series(&run, j, |x| x)]);
        assert!(
            (m - mu).abs() < 4.0 * se,
            "{}: mean x{j} = {m} ± {se}, exact {mu}",
            C::KIND
        );
        let (v, se_v) = mcse_mean(&[ensemble_series(&run, j, |x| (x - mu) * (x - mu))]);
        assert!(
            (v - var).abs() < 4.0 * se_v,
            "{}: var x{j} = {v} ± {se_v}, exact {var}",
            C::KIND
        );
        // The error bars are tight enough to mean something: 4 MCSE < 16 % of the
        // variance.
        assert!(se_v < 0.04 * var, "{}: se of var x{j} = {se_v}", C::KIND);
    }
    let acc = &run.diagnostics.chain_acceptance;
    assert_eq!(acc.len(), w);
    assert!(acc.iter().all(|a| *a > 0.05 && *a < 0.95), "{acc:?}");
}

#[test]
fn stretch_matches_the_moments_of_a_correlated_10d_gaussian() {
    moments_gauss10(StretchConfig::default(), 20_000);
}

#[test]
fn walk_move_matches_the_moments_of_a_correlated_10d_gaussian() {
    moments_gauss10(WalkMoveConfig::default(), 20_000);
}

#[test]
fn de_move_matches_the_moments_of_a_correlated_10d_gaussian() {
    moments_gauss10(DeMoveConfig::default(), 20_000);
}

/// `π_A(y) = π(A⁻¹(y − b))` for a lower-triangular A: the image of π under
/// `x ↦ A x + b` (up to the constant `−log |det A|`).
struct Affine<T> {
    inner: T,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl<T: Target> Affine<T> {
    fn map(&self, x: &[f64]) -> Vec<f64> {
        let d = x.len();
        (0..d)
            .map(|i| (0..=i).map(|k| self.a[i * d + k] * x[k]).sum::<f64>() + self.b[i])
            .collect()
    }
}

impl<T: Target> Target for Affine<T> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn log_density(&self, y: &[f64]) -> f64 {
        // Forward substitution: A x = y − b.
        let d = y.len();
        let mut x = vec![0.0; d];
        for i in 0..d {
            let s: f64 = (0..i).map(|k| self.a[i * d + k] * x[k]).sum();
            x[i] = (y[i] - self.b[i] - s) / self.a[i * d + i];
        }
        self.inner.log_density(&x)
    }
}

fn affine_equivariance<C: MoveConfig>(config: C) {
    let inner = GaussianMixture::isotropic(
        vec![0.5, 0.5],
        vec![vec![-1.0, 0.0, 0.5], vec![1.0, 0.5, -0.5]],
        &[0.7, 0.8],
    )
    .unwrap();
    let a = vec![3.0, 0.0, 0.0, -1.5, 0.2, 0.0, 4.0, 2.0, 10.0];
    let b = vec![100.0, -3.0, 0.5];
    let w = 10;
    let x0 = inner.sample_exact_n(w, 5);
    let target = Affine { inner, a, b };
    let y0 = Particles::from_rows(&x0.rows().map(|x| target.map(x)).collect::<Vec<_>>()).unwrap();
    let e = Ensemble::new(config).unwrap();
    let run_x = e.sample(&target.inner, &x0, 60, 1, 9).unwrap();
    let run_y = e.sample(&target, &y0, 60, 1, 9).unwrap();
    for (x, y) in run_x.samples.rows().zip(run_y.samples.rows()) {
        let ax = target.map(x);
        for (p, q) in ax.iter().zip(y) {
            assert!(
                (p - q).abs() < 1e-9 * (1.0 + q.abs()),
                "{}: A x + b = {ax:?}, y = {y:?}",
                C::KIND
            );
        }
    }
    // The runs moved.
    assert!(run_x.samples.row(59) != x0.row(0));
}

#[test]
fn every_move_commutes_with_affine_maps() {
    // Same seed, same streams: the trajectories on π and on its affine image are
    // the same up to rounding (affine invariance, GW 2010 §2).
    affine_equivariance(StretchConfig::default());
    affine_equivariance(WalkMoveConfig::default());
    affine_equivariance(WalkMoveConfig {
        subset: 3,
        walkers: None,
    });
    affine_equivariance(DeMoveConfig::default());
}

fn registry() -> Registry {
    Registry::new().with(sampo_ensemble::moves::samplers())
}

fn move_entries() -> Vec<SamplerEntry> {
    registry().entries().to_vec()
}

fn density_job(n: usize, per_sample: u64, seed: u64) -> Job {
    Job {
        n,
        budget: Budget {
            unit: CostUnit::Density,
            per_sample,
        },
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    }
}

fn run_kind(kind: &str, t: &AnyTarget, job: &Job, control: Control<'_>) -> (Outcome, Counter) {
    let built = registry().build_named(kind).unwrap();
    let counter = Counter::new();
    let out = built
        .sampler
        .run(TargetRef::new(t, &counter), job, control)
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    (out, counter)
}

#[test]
fn the_three_kinds_are_registered_with_their_names() {
    let names: Vec<&str> = move_entries().iter().map(|e| e.name).collect();
    assert_eq!(names, ["stretch", "walk-move", "de-move"]);
    for e in move_entries() {
        assert!(e.description.contains("docs/ensemble.md"), "{}", e.name);
        assert!(!e.needs.gradient && e.needs.density, "{}", e.name);
    }
}

#[test]
fn harness_runs_spend_the_budget_exactly_and_return_n_samples() {
    let t = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
    for e in move_entries() {
        // n = 100 → W = 32, share 100 · 100 / 32 = 312 per walker: 311 steps.
        let job = density_job(100, 100, 3);
        let (out, counter) = run_kind(e.name, &t, &job, Control::none());
        let run = out.finished().unwrap();
        assert_eq!(run.samples.len(), 100, "{}", e.name);
        assert_eq!(run.chains, 32, "{}", e.name);
        assert_eq!(run.evaluations, counter.counts(), "{}", e.name);
        assert_eq!(run.evaluations.density, 32 * 312, "{}", e.name);
        assert!(run.evaluations.density <= 100 * 100, "{}", e.name);
        assert_eq!(run.diagnostics.chain_acceptance.len(), 32, "{}", e.name);
        // ⌈100/32⌉ = 4 kept ensembles, 311 steps: 155 warm-up, thinned by 39.
        assert_eq!(run.draws_per_chain, 4, "{}", e.name);
    }
}

#[test]
fn output_is_identical_for_one_and_two_threads_and_any_split() {
    // Registry runs (the automatic thread policy).
    let t = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
    // The conformance suite's job (n = 12 at 40 per sample) and a larger one.
    for (e, job) in move_entries()
        .into_iter()
        .flat_map(|e| [(e, density_job(12, 40, 11)), (e, density_job(64, 200, 11))])
    {
        let runs: Vec<Run> = [1, 2]
            .into_iter()
            .map(|threads| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| {
                    run_kind(e.name, &t, &job, Control::none())
                        .0
                        .finished()
                        .unwrap()
                })
            })
            .collect();
        assert!(runs[0].samples == runs[1].samples, "{}", e.name);
        assert!(runs[0].diagnostics == runs[1].diagnostics, "{}", e.name);
        assert_eq!(runs[0].evaluations, runs[1].evaluations, "{}", e.name);
    }
    // The kernel forced sequential or parallel, on 1 and 2 threads: 20 walkers per
    // half in uneven chunks.
    let g = Gaussian::standard(3).unwrap();
    let x0 = g.sample_exact_n(40, 2);
    fn positions<C: MoveConfig>(c: &C, g: &Gaussian, x0: &Particles, p: Parallelism) -> Vec<f64> {
        let e = Ensemble::new(c.clone()).unwrap();
        let k = e.kernel(g, 40).unwrap().with_parallelism(p);
        let (mut st, _) = k.init(x0, 4).unwrap();
        let mut acc = Vec::new();
        for s in 1..=30 {
            acc.push(k.step(&mut st, s).unwrap().acceptance);
        }
        let mut out = k.positions(&st).to_vec();
        out.extend(acc);
        out.extend(st.acceptance());
        out
    }
    fn compare<C: MoveConfig>(c: C, g: &Gaussian, x0: &Particles) {
        let seq = positions(&c, g, x0, Parallelism::Sequential);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| positions(&c, g, x0, Parallelism::Parallel));
            assert!(seq == par, "{} on {threads} threads", C::KIND);
        }
    }
    compare(StretchConfig::default(), &g, &x0);
    compare(
        WalkMoveConfig {
            subset: 5,
            walkers: None,
        },
        &g,
        &x0,
    );
    compare(DeMoveConfig::default(), &g, &x0);
}

#[test]
fn stopped_and_resumed_runs_are_bit_identical() {
    let t = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
    let dir = std::env::temp_dir().join(format!("sampo-moves-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in move_entries() {
        // 300 steps per walker: the stop after the first segment (50) is inside.
        let job = density_job(32, 300, 5);
        let full = run_kind(e.name, &t, &job, Control::none())
            .0
            .finished()
            .unwrap();
        let path = dir.join(format!("{}.ckpt.json", e.name));
        std::fs::remove_file(&path).ok();
        let control = Control {
            checkpoint: Some(path.clone()),
            resume: true,
            ..Control::default()
        };
        let (out, _) = run_kind(e.name, &t, &job, control.observe(StopAfter(1)));
        assert!(matches!(out, Outcome::Stopped { .. }), "{}", e.name);
        let control = Control {
            checkpoint: Some(path.clone()),
            resume: true,
            ..Control::default()
        };
        let resumed = run_kind(e.name, &t, &job, control).0.finished().unwrap();
        assert!(resumed.samples == full.samples, "{}", e.name);
        assert!(resumed.diagnostics == full.diagnostics, "{}", e.name);
        assert_eq!(resumed.reported_evaluations, full.reported_evaluations);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The error of building `kind` with `key = value` over its defaults.
fn build_error(kind: &str, pairs: &[(&str, toml::Value)]) -> String {
    let mut t = toml::Table::new();
    t.insert("kind".into(), kind.into());
    for (k, v) in pairs {
        t.insert((*k).into(), v.clone());
    }
    match registry().build(&t) {
        Ok(_) => panic!("{kind}: {pairs:?} accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_configs_are_errors_naming_the_field() {
    use toml::Value;
    // (kind, overrides, the field the error must name)
    type Case = (&'static str, Vec<(&'static str, Value)>, &'static str);
    let cases: Vec<Case> = vec![
        ("stretch", vec![("a", Value::Float(1.0))], "stretch.a"),
        ("stretch", vec![("a", Value::Float(f64::NAN))], "stretch.a"),
        ("stretch", vec![("a", Value::Float(0.5))], "stretch.a"),
        (
            "stretch",
            vec![("walkers", Value::Integer(7))],
            "stretch.walkers",
        ),
        (
            "stretch",
            vec![("walkers", Value::Integer(2))],
            "stretch.walkers",
        ),
        ("stretch", vec![("scale", Value::Float(2.0))], "scale"),
        (
            "walk-move",
            vec![("subset", Value::Integer(1))],
            "walk-move.subset",
        ),
        (
            "walk-move",
            vec![
                ("subset", Value::Integer(17)),
                ("walkers", Value::Integer(32)),
            ],
            "walk-move.subset",
        ),
        (
            "walk-move",
            vec![("walkers", Value::Integer(9))],
            "walk-move.walkers",
        ),
        (
            "de-move",
            vec![("gamma0", Value::Float(-1.0))],
            "de-move.gamma0",
        ),
        (
            "de-move",
            vec![("gamma0", Value::Float(f64::NAN))],
            "de-move.gamma0",
        ),
        (
            "de-move",
            vec![("sigma", Value::Float(f64::NAN))],
            "de-move.sigma",
        ),
        (
            "de-move",
            vec![("sigma", Value::Float(-0.1))],
            "de-move.sigma",
        ),
        (
            "de-move",
            vec![("walkers", Value::Integer(3))],
            "de-move.walkers",
        ),
    ];
    for (kind, pairs, field) in cases {
        let e = build_error(kind, &pairs);
        assert!(e.contains(field), "{kind} {pairs:?}: {e}");
    }
}

#[test]
fn bad_jobs_are_errors_naming_the_field() {
    let t = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
    let err = |kind: &str, job: &Job, table: &[(&str, toml::Value)]| -> String {
        let mut tab = toml::Table::new();
        tab.insert("kind".into(), kind.into());
        for (k, v) in table {
            tab.insert((*k).into(), v.clone());
        }
        let built = registry().build(&tab).unwrap();
        let counter = Counter::new();
        let e = built
            .sampler
            .run(TargetRef::new(&t, &counter), job, Control::none())
            .err()
            .unwrap_or_else(|| panic!("{kind}: {job:?} accepted"));
        assert_eq!(
            counter.counts().total(),
            0,
            "{kind}: evaluated before refusing"
        );
        e.to_string()
    };
    for e in move_entries() {
        let k = e.name;
        // A gradient budget: the moves spend none.
        let g = Job {
            budget: Budget::gradient(100),
            ..density_job(40, 100, 1)
        };
        assert!(err(k, &g, &[]).contains("`gradient`"), "{k}");
        // Too few samples for 4 walkers.
        assert!(err(k, &density_job(3, 100, 1), &[]).contains("`n`"), "{k}");
        // An odd number of chains.
        let odd = Job {
            chains: Some(7),
            ..density_job(40, 100, 1)
        };
        assert!(err(k, &odd, &[]).contains("`chains`"), "{k}");
        // More walkers than samples.
        let w = format!("{k}.walkers");
        let e = err(k, &density_job(40, 100, 1), &[("walkers", 64.into())]);
        assert!(e.contains(&w), "{k}: {e}");
        // Too few walkers to span R^d (d = 2: W = 2 is refused at build, so use a
        // 6-D target with W = 4).
        let t6 = AnyTarget::Gradient(Box::new(Gaussian::standard(6).unwrap()));
        let mut tab = toml::Table::new();
        tab.insert("kind".into(), k.into());
        tab.insert("walkers".into(), 4.into());
        let built = registry().build(&tab).unwrap();
        let counter = Counter::new();
        let e = built
            .sampler
            .run(
                TargetRef::new(&t6, &counter),
                &density_job(40, 100, 1),
                Control::none(),
            )
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains(&w) && e.contains("affine hull"), "{k}: {e}");
        assert!(
            !built
                .sampler
                .warnings(&TargetRef::new(&t6, &counter))
                .is_empty(),
            "{k}: no warning for W < 2d"
        );
    }
}

#[test]
fn the_default_walker_rule() {
    assert_eq!(default_walkers(1000, 2), 32);
    assert_eq!(default_walkers(1000, 20), 42);
    assert_eq!(default_walkers(12, 2), 12);
    assert_eq!(default_walkers(13, 2), 12);
    let e = Ensemble::new(StretchConfig::default()).unwrap();
    assert_eq!(e.walkers_for(1000, None, 2).unwrap(), 32);
    assert_eq!(e.walkers_for(1000, Some(10), 2).unwrap(), 10);
    let e = Ensemble::new(StretchConfig {
        walkers: Some(16),
        ..StretchConfig::default()
    })
    .unwrap();
    // The config's walkers win over the job's chains.
    assert_eq!(e.walkers_for(1000, Some(10), 2).unwrap(), 16);
}

#[test]
fn init_refuses_walkers_at_one_point_and_non_finite_densities() {
    let g = Gaussian::standard(2).unwrap();
    let e = Ensemble::new(StretchConfig::default()).unwrap();
    let one = Particles::repeat(&[0.5, 0.5], 8);
    let err = e.sample(&g, &one, 10, 1, 1).unwrap_err().to_string();
    assert!(err.contains("one point"), "{err}");

    struct HalfPlane;
    impl Target for HalfPlane {
        fn dim(&self) -> usize {
            2
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            if x[0] < 0.0 {
                f64::NEG_INFINITY
            } else {
                -0.5 * (x[0] * x[0] + x[1] * x[1])
            }
        }
    }
    let x0 = Gaussian::standard(2).unwrap().sample_exact_n(8, 3);
    let x0 = Particles::from_rows(
        &x0.rows()
            .map(|r| vec![r[0].abs(), r[1]])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut bad = x0.clone();
    bad.row_mut(5)[0] = -1.0;
    match e.sample(&HalfPlane, &bad, 10, 1, 1) {
        Err(CoreError::NonFiniteLogDensity { particle: 5, .. }) => {}
        other => panic!("{other:?}"),
    }
    // A support boundary is respected: proposals outside are rejected.
    let run = e.sample(&HalfPlane, &x0, 200, 1, 1).unwrap();
    assert!(run.samples.rows().all(|r| r[0] >= 0.0));
}

/// A target that returns NaN on part of the space: those proposals are rejected.
struct NanCorner;
impl Target for NanCorner {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        if x[0] > 1.0 && x[1] > 1.0 {
            f64::NAN
        } else {
            -0.5 * (x[0] * x[0] + x[1] * x[1])
        }
    }
}

#[test]
fn nan_log_densities_are_rejected_proposals() {
    let x0 = Gaussian::standard(2).unwrap().sample_exact_n(16, 8);
    let x0 = Particles::from_rows(
        &x0.rows()
            .map(|r| vec![r[0].min(0.9), r[1].min(0.9)])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for run in [
        Ensemble::new(StretchConfig::default())
            .unwrap()
            .sample(&NanCorner, &x0, 300, 1, 2)
            .unwrap(),
        Ensemble::new(DeMoveConfig::default())
            .unwrap()
            .sample(&NanCorner, &x0, 300, 1, 2)
            .unwrap(),
    ] {
        assert!(run.samples.rows().all(|r| !(r[0] > 1.0 && r[1] > 1.0)));
        assert!(run.samples.as_slice().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn uniform_indices_cover_their_range_evenly() {
    // 60 000 draws over 6 cells: each count within 5 binomial SEs of 10 000.
    let mut rng = sampo_core::rng::stream(3, 0);
    let mut counts = [0usize; 6];
    for _ in 0..60_000 {
        counts[uniform_index(&mut rng, 6)] += 1;
    }
    let se = (60_000.0 * (1.0 / 6.0) * (5.0 / 6.0f64)).sqrt();
    for c in counts {
        assert!((c as f64 - 10_000.0).abs() < 5.0 * se, "{counts:?}");
    }
}

#[test]
fn configs_round_trip_through_toml() {
    let c = DeMoveConfig {
        gamma0: Some(0.4),
        sigma: 0.01,
        walkers: Some(20),
    };
    let text = toml::to_string(&c).unwrap();
    assert_eq!(toml::from_str::<DeMoveConfig>(&text).unwrap(), c);
    let s: StretchConfig = toml::from_str("a = 3.0").unwrap();
    assert_eq!((s.a, s.walkers), (3.0, None));
    let w: WalkMoveConfig = toml::from_str("").unwrap();
    assert_eq!(w, WalkMoveConfig::default());
}

/// Walker 0 and walker 7 after 5 steps from fixed positions on N(0, I₂), seed 21.
fn golden<C: MoveConfig>(config: C) -> [f64; 4] {
    let g = Gaussian::standard(2).unwrap();
    let x0 = Particles::from_vec(8, 2, (0..16).map(|i| (i as f64 * 0.7).sin()).collect()).unwrap();
    let run = Ensemble::new(config)
        .unwrap()
        .sample(&g, &x0, 5, 5, 21)
        .unwrap();
    let (a, b) = (run.samples.row(0), run.samples.row(7));
    [a[0], a[1], b[0], b[1]]
}

#[test]
fn seeds_give_the_pinned_values() {
    // Value stability (rand_distr's `value_stability.rs`): a change in what a seed
    // gives (the order of draws, a formula) shows here first. Tolerance 1e-12: libm's
    // `exp`/`ln` may differ in the last bit across platforms.
    let pins: [(&str, [f64; 4], [f64; 4]); 3] = [
        (
            "stretch",
            golden(StretchConfig::default()),
            [
                -0.7964369377418675,
                0.5498369403189873,
                -0.19957427962967955,
                -0.7392964845439827,
            ],
        ),
        (
            "walk-move",
            golden(WalkMoveConfig::default()),
            [
                -0.07561751054184207,
                0.5356127703398119,
                1.2451002521889842,
                0.22015124696319088,
            ],
        ),
        (
            "de-move",
            golden(DeMoveConfig::default()),
            [
                1.2530997602573883,
                0.6326401932829073,
                -1.5566799853433033,
                -0.8472160017340348,
            ],
        ),
    ];
    for (kind, got, want) in pins {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{kind}: {got:?} != {want:?}");
        }
    }
}
