//! `sampo-bench figure NAME`: paper figures regenerated with the numbers behind them
//! (a CSV next to the PNG/SVG).

use crate::BenchError;
use crate::plots::{self, Axes, Series};
use rayon::prelude::*;
use sampo_core::{Counted, ExactSampler, Particles, RunConfig, Runner, Target};
use sampo_langevin::{LangevinConfig, Splitting, UlaConfig, UnderdampedConfig};
use std::fmt::Write as _;
use std::path::Path;

/// Every figure, with a one-line description.
pub const FIGURES: &[(&str, &str)] = &[
    (
        "langevin-bias",
        "stationary Var(x) of ULA, BAOAB, OBABO, ABOBA on N(0,1) vs step size: measured ± 4 MCSE against the closed forms (samplers-a.md §4)",
    ),
    (
        "physics-profiles",
        "free-energy profiles of Müller–Brown (s = 0.05) along x from MALA, NUTS, PT, SMC, Föllmer and GPSS at 1000 evaluations per sample (n = 4000) against the exact profile by quadrature",
    ),
    (
        "rdmc-gmm",
        "rdMC vs ULA, MALA, tempered SMC and parallel tempering at equal gradient, equal total evaluations and equal wall time on 8 Gaussians and the ZOD-MC GMM with mode radius R = 1..26 (n = 2000): W2 with noise floor, mode-weight TV, mass on the 0.1-weight centre mode",
    ),
    (
        "ensemble-gmm",
        "gradient-free Föllmer (ensemble-mixture and independent estimates), OU ensemble, emcee stretch/walk/DE moves, tempered SMC (random-walk moves) and MALA at 25 600 evaluations per sample on 8 Gaussians and the ZOD-MC GMM at R = 1..26 (n = 2000): W2 with noise floor, mode-weight TV, wall time",
    ),
    (
        "ensemble-targets",
        "the ensemble-gmm samplers on a 2-D funnel and a 4-D many-well slice at 25 600 evaluations per sample (n = 2000): W2 with noise floor, x0 marginal sd, many-well mode-weight TV",
    ),
    (
        "gpss-axial",
        "GPSS paper E3: mean and max dwelling times in the 2d axial modes vs d = 10..100 for GPSS, hit-and-run, naive and tuned elliptical slice sampling (10⁵ iterations each), with TDE/it",
    ),
    (
        "gpss-cauchy",
        "GPSS paper E1: GPSS, hit-and-run and naive elliptical slice sampling on the 100-D Cauchy, 10⁶ iterations: TDE/it, IAT of log r, p(b), next to the paper's numbers",
    ),
    (
        "gpss-funnel",
        "GPSS paper E4: x₁ marginal estimates (mean, sd, 0.001/0.999 quantiles) on Neal's funnel for GPSS, hit-and-run and elliptical slice sampling, next to the truth and the paper's",
    ),
    (
        "gpss-hyperplane",
        "GPSS paper E2: GPSS, hit-and-run, naive and tuned elliptical slice sampling on the 200-D hyperplane disk, 10⁴ iterations: TDE/it, IAT of r, mean step size, next to the paper's numbers",
    ),
    (
        "walkjump-gmm",
        "walk-jump (analytic scores, defaults) vs ULA, MALA, underdamped Langevin, tempered SMC and parallel tempering at equal gradient budget on 8 Gaussians, the ZOD-MC GMM at R = 1..26 and two-modes-8 (n = 2000): W2 with noise floor, mode-weight TV, tunnelling of x̂_m",
    ),
    (
        "walkjump-kappa",
        "condition numbers κ(m) of the OAT and AAO walk targets on N(0, diag(0.1, 10)), closed form and measured on the walk targets' Hessians",
    ),
    (
        "snf-double-well",
        "SNF paper A1: x₁ free-energy error √(bias² + unc²) of RNVP, RNVP+MC and RNVP+adaptive MC (10 trainings each) and the training-free SNF on the double well, beside the paper's values; reweighted ΔF vs the exact 1.69 kT, Kish ESS, cost",
    ),
    (
        "snf-bridges",
        "SNF paper §4.1 on a ring of 8 Gaussians: RealNVP vs RealNVP + Metropolis blocks (ML-trained) and the training-free SNF, histogram KL(target ‖ model) unweighted and reweighted, mass between the modes, cost; scatter panels",
    ),
    (
        "admm-linreg",
        "D-ADMMS paper: 20-agent linear regression, W2 to the exact posterior per iteration (agent and average, 100 chains and the exact law) on complete, cycle and empty graphs, against ADMM, D-SGLD, D-SGHMC, D-ULA; correct and reference-code neighbour sums; cost per round",
    ),
    (
        "admm-rho",
        "D-ADMMS paper's ρ ablation on a 20-agent cycle (ρ = 1…1000): exact and measured W2, correct and reference-code neighbour sums",
    ),
    (
        "admm-bias",
        "D-ADMMS stationary bias from the exact stationary law: W2 and variance ratio of the paper's noise vs the calibrated proximal-Langevin noise, over graphs, agents and ρ",
    ),
    (
        "admm-logreg",
        "D-ADMMS paper: 20-agent logistic regression, accuracy of agent 0's samples per iteration (mean ± sd over 100 trials) on complete, cycle and empty graphs, against ADMM and the baselines",
    ),
    (
        "sgld-mixture",
        "Welling & Teh (2011) Figure 1: the two-mode mixture posterior (100 points), exact density against SGLD on the paper's schedule (batch 1, 10⁴ sweeps), SGLD at a constant step and MALA at the same 10⁶ data terms: mode mass, moments, W2 to grid draws",
    ),
    (
        "sgld-shards",
        "DSGLD's delayed-communication bias on two non-IID shards of a linear regression and FSGLD's correction (samplers-b §4.3): Gaussian W2 to the exact posterior vs local steps τ = 1…1000, against SGLD on all the data",
    ),
    (
        "sgld-logistic",
        "DSGLD vs FSGLD (Laplace and moment surrogates) on a Bayesian logistic regression sorted by label into two shards: Gaussian W2 to a MALA reference vs local steps τ = 1…1000, against SGLD on all the data",
    ),
    (
        "w2-noise-floor",
        "exact-vs-exact W2 noise floor vs n on GMM40, 25GMM, N(0,I_2), N(0,I_10) (peers.md §C.6)",
    ),
];

/// Regenerates figure `name` into `out`.
pub fn run(name: &str, out: &Path) -> Result<(), BenchError> {
    let draw: fn(&Path) -> Result<(), BenchError> = match name {
        "langevin-bias" => langevin_bias,
        "w2-noise-floor" => w2_noise_floor,
        "rdmc-gmm" => rdmc_gmm,
        "physics-profiles" => crate::physics_figures::profiles,
        "ensemble-gmm" => crate::ensemble_figures::gmm,
        "ensemble-targets" => crate::ensemble_figures::targets,
        "gpss-axial" => crate::gpss_figures::axial,
        "gpss-cauchy" => crate::gpss_figures::cauchy,
        "gpss-funnel" => crate::gpss_figures::funnel,
        "gpss-hyperplane" => crate::gpss_figures::hyperplane,
        "walkjump-gmm" => crate::walkjump_figures::gmm,
        "snf-double-well" => crate::snf_figures::double_well,
        "snf-bridges" => crate::snf_figures::bridges,
        "walkjump-kappa" => crate::walkjump_figures::kappa,
        "admm-linreg" => crate::admm_figures::linreg,
        "admm-rho" => crate::admm_figures::rho,
        "admm-bias" => crate::admm_figures::bias,
        "admm-logreg" => crate::admm_figures::logreg,
        "sgld-mixture" => crate::sgld_figures::mixture,
        "sgld-shards" => crate::sgld_shards::linear,
        "sgld-logistic" => crate::sgld_shards::logistic,
        other => {
            return Err(BenchError::UnknownName {
                what: "figure",
                name: other.into(),
                valid: FIGURES
                    .iter()
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    // Before any work: the output folder must be writable.
    crate::io::check_dir_writable(out).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    draw(out)?;
    eprintln!(
        "figure `{name}`: PNG, SVG and CSV written to {}",
        out.display()
    );
    Ok(())
}

/// Writes `text` (a CSV or Markdown table) to `path`, creating its folder.
/// The mixture figures' cases `(label, R, mixture)`: the 8 Gaussians (R = NaN) and
/// the ZOD-MC mixture with mode radius R = 1, 6, …, 26.
pub(crate) fn mixture_cases()
-> Result<Vec<(String, f64, sampo_targets::GaussianMixture)>, BenchError> {
    let mut cases: Vec<(String, f64, sampo_targets::GaussianMixture)> = vec![(
        "8-gaussians".into(),
        f64::NAN,
        sampo_targets::GaussianMixture::eight_gaussians(),
    )];
    for r in [1.0, 6.0, 11.0, 16.0, 21.0, 26.0] {
        cases.push((
            format!("zodmc-R{r}"),
            r,
            sampo_targets::GaussianMixture::zodmc_gmm2d_radius(r)?,
        ));
    }
    Ok(cases)
}

pub(crate) fn write_csv(path: &Path, text: &str) -> Result<(), BenchError> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|source| BenchError::Io {
            path: d.into(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| BenchError::Io {
        path: path.into(),
        source,
    })
}

/// Stationary variance of x under each scheme on N(0, 1) for a range of h, measured
/// with 2000 chains × 2000 steps (after 500 warm-up steps) and compared with the
/// closed forms: ULA 1/(1 − h/2), BAOAB and ABOBA 1, OBABO 1/(1 − h²/4).
fn langevin_bias(out: &Path) -> Result<(), BenchError> {
    let target = sampo_targets::Gaussian::standard(1)?;
    let steps = [0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2];
    type Exact = fn(f64) -> f64;
    type Make = Box<dyn Fn(f64) -> LangevinConfig>;
    let schemes: [(&str, Exact, Make); 4] = [
        (
            "ULA",
            |h| 1.0 / (1.0 - h / 2.0),
            Box::new(|h| LangevinConfig::Ula(UlaConfig::new(h))),
        ),
        (
            "BAOAB",
            |_| 1.0,
            Box::new(|h| underdamped(h, Splitting::Baoab)),
        ),
        (
            "OBABO",
            |h| 1.0 / (1.0 - h * h / 4.0),
            Box::new(|h| underdamped(h, Splitting::Obabo)),
        ),
        (
            "ABOBA",
            |_| 1.0,
            Box::new(|h| underdamped(h, Splitting::Aboba)),
        ),
    ];
    let mut csv = "scheme,h,var_measured,mcse,var_exact,z\n".to_string();
    let mut series = Vec::new();
    for (k, (name, exact, make)) in schemes.iter().enumerate() {
        let (mut pts, mut err, mut curve) = (Vec::new(), Vec::new(), Vec::new());
        for &h in &steps {
            let cfg = make(h);
            let kernel = cfg.build(&target)?;
            let mut rc = RunConfig::new(2000, 500, 2000, 42 + k as u64);
            rc.thin = 10;
            let run = Runner::new(&kernel, rc)?
                .run(&Particles::zeros(1, 1))?
                .finished()
                .expect("no observer");
            let chains: Vec<Vec<f64>> = (0..run.chains)
                .map(|c| run.chain_column(c, 0).iter().map(|x| x * x).collect())
                .collect();
            let (v, se) = sampo_metrics::ess::mcse_mean(&chains);
            let e = exact(h);
            writeln!(csv, "{name},{h},{v},{se},{e},{}", (v - e) / se).expect("write to String");
            pts.push((h, v));
            err.push(4.0 * se);
        }
        for i in 0..=60 {
            let h = 0.05 + 1.2 * i as f64 / 60.0;
            curve.push((h, exact(h)));
        }
        series.push(Series {
            label: format!("{name} measured ± 4 MCSE"),
            points: pts,
            err,
            markers: true,
            color: k,
        });
        series.push(Series {
            label: format!("{name} exact"),
            points: curve,
            err: vec![],
            markers: false,
            color: k,
        });
    }
    let stem = out.join("langevin-bias");
    write_csv(&stem.with_extension("csv"), &csv)?;
    plots::lines(
        &stem,
        &Axes {
            title: "Stationary Var(x) on N(0,1) vs step size h (γ = 1)",
            x_label: "step size h",
            y_label: "Var(x)",
            log_x: false,
        },
        &series,
    )?;
    print!("{csv}");
    Ok(())
}

fn underdamped(h: f64, s: Splitting) -> LangevinConfig {
    LangevinConfig::Underdamped(UnderdampedConfig::new(h, 1.0, s))
}

/// W2 between two independent exact samples of size n, 5 repeats, for the targets
/// of peers.md §C.6, so that every W2 in a table can be read against its floor.
fn w2_noise_floor(out: &Path) -> Result<(), BenchError> {
    let targets = ["gmm40-fab", "25gmm", "gauss-2", "gauss-10"];
    let ns = [250usize, 500, 1000, 2000];
    let mut csv = "target,n,w2_mean,w2_sd,repeats\n".to_string();
    let mut series = Vec::new();
    for (k, t) in targets.into_iter().enumerate() {
        let target = Counted::new(sampo_targets::preset(t)?);
        let ex = target.exact_sampler().expect("presets with exact samplers");
        let (mut pts, mut err) = (Vec::new(), Vec::new());
        for &n in &ns {
            let f = sampo_metrics::noise_floor::noise_floor(ex, n, 5, 7, |a, b| {
                sampo_metrics::ot::w2(a, b)
            })?;
            writeln!(csv, "{t},{n},{},{},{}", f.mean, f.sd, f.repeats).expect("write to String");
            pts.push((n as f64, f.mean));
            err.push(f.sd);
        }
        series.push(Series {
            label: t.to_string(),
            points: pts,
            err,
            markers: true,
            color: k,
        });
    }
    let stem = out.join("w2-noise-floor");
    write_csv(&stem.with_extension("csv"), &csv)?;
    plots::lines(
        &stem,
        &Axes {
            title: "W2 noise floor: exact vs exact samples (mean ± sd, 5 repeats)",
            x_label: "n (each sample)",
            y_label: "W2",
            log_x: true,
        },
        &series,
    )?;
    print!("{csv}");
    Ok(())
}

/// Standard deviation of the SMC and PT reference in `rdmc-gmm`: the farthest
/// ZOD-MC mode (R = 26, mean (21.3, 21.3), at distance 30) sits 1.4 reference
/// deviations out in each coordinate.
pub(crate) const TEMPERED_REFERENCE_SCALE: f64 = 15.0;

/// The rdMC anchor (samplers-a.md §1.6–1.7, ZOD-MC's radius study): rdMC with its
/// default config against ULA and MALA (step 0.05, chains from N(0, I), one chain per
/// sample) at three matched costs per sample: the same number of *gradient*
/// evaluations as rdMC spends, the same number of *total* (density + gradient)
/// evaluations — rdMC spends about 45 density evaluations per gradient, so an
/// equal-cost claim must count them — and the same *wall time* (rdMC's measured time
/// on this machine; the baselines' budget resolved by a pilot). n = 2000, seed 1.
/// Metrics against 2000 fresh exact samples: W2 (noise floor from 2 repeats), total
/// variation of the nearest-mean mode weights, and the mass on the ZOD-MC centre
/// mode (true weight 0.1). The strongest multimodal baselines run too: tempered
/// SMC and parallel tempering with their defaults, from the reference
/// N(0, [`TEMPERED_REFERENCE_SCALE`]² I); weighted output is measured with its weights.
fn rdmc_gmm(out: &Path) -> Result<(), BenchError> {
    use crate::budget::BudgetSpec;
    use crate::execute::{Request, Status, execute};
    use sampo_core::CostUnit;
    use sampo_core::plugin::Budget;

    const N: usize = 2000;
    const SEED: u64 = 1;
    let rdmc = crate::spec::sampler("rdmc", &[])?;
    // The tempered baselines start from a reference wide enough for the largest
    // radius (the same for every case): from N(0, I) no tempered path reaches modes
    // at radius 26.
    let wide = [format!("reference.scale={TEMPERED_REFERENCE_SCALE}")];
    let baselines = [
        crate::spec::sampler("ula", &[])?,
        crate::spec::sampler("mala", &[])?,
        crate::spec::sampler("smc", &wide)?,
        crate::spec::sampler("pt", &wide)?,
    ];
    let per = rdmc
        .built
        .sampler
        .fixed_cost(2)
        .expect("rdmc's cost is fixed by its config");
    let matches: [(&str, &str); 3] = [
        ("gradient", "equal gradient evaluations"),
        ("total", "equal total evaluations"),
        ("wall", "equal wall time"),
    ];
    let cases = crate::figures::mixture_cases()?;
    let labels: Vec<String> = std::iter::once("rdmc".to_string())
        .chain(
            baselines
                .iter()
                .flat_map(|b| matches.iter().map(move |(m, _)| format!("{}@{m}", b.label))),
        )
        .collect();
    let mut csv = "target,R,sampler,match,n,grad_evals_per_sample,density_evals_per_sample,wall_s,w2,w2_floor,w2_floor_sd,mode_tv,max_weight_err,centre_mass\n".to_string();
    let mut by_sampler: Vec<[Vec<(f64, f64)>; 3]> = vec![Default::default(); labels.len()];
    let mut floor_pts = Vec::new();
    let req = |budget| Request {
        n: N,
        budget,
        chains: None,
        seed: SEED,
        init_scale: 1.0,
    };
    for (name, r, mix) in &cases {
        let handle = crate::spec::TargetHandle::of_mixture(name.clone(), mix);
        let exact = mix.sample_exact_n(N, SEED ^ 0xE7AC7);
        // The samplers run one after the other (each uses every core); then the
        // exact W2s, the costly part, run in parallel.
        let first = execute(
            &handle,
            &rdmc,
            &req(BudgetSpec::Evals(Budget::gradient(per.gradient))),
            vec![],
        );
        let rdmc_wall = first.wall_s;
        let mut runs = vec![("rdmc".to_string(), "-", first)];
        for b in &baselines {
            for (m, _) in &matches {
                let budget = match *m {
                    "gradient" => BudgetSpec::Evals(Budget::gradient(per.gradient)),
                    "total" => BudgetSpec::Evals(Budget {
                        unit: CostUnit::Total,
                        per_sample: per.total(),
                    }),
                    _ => BudgetSpec::Seconds(rdmc_wall / N as f64),
                };
                runs.push((
                    format!("{}@{m}", b.label),
                    *m,
                    execute(&handle, b, &req(budget), vec![]),
                ));
            }
        }
        for (label, _, ex) in &runs {
            if ex.status != Status::Ok {
                return Err(BenchError::Usage(format!(
                    "figure rdmc-gmm: {label} on {name} failed: {}",
                    ex.status.text()
                )));
            }
        }
        let finished: Vec<&sampo_core::Run> = runs
            .iter()
            .map(|(_, _, ex)| ex.run.as_ref().expect("checked ok"))
            .collect();
        let (floor, measured) = mixture_scores(mix, &exact, &finished, N, SEED);
        let floor = floor?;
        if r.is_finite() {
            floor_pts.push((*r, floor.mean));
        }
        let mut panels: Vec<(String, Particles)> = vec![("exact".into(), exact.clone())];
        for (k, ((label, m, ex), res)) in runs.into_iter().zip(measured).enumerate() {
            let (w2, rep) = res?;
            let centre = rep.weights[0];
            let ev = ex.evaluations;
            writeln!(
                csv,
                "{name},{r},{label},{m},{N},{},{},{},{w2},{},{},{},{},{centre}",
                ev.gradient as f64 / N as f64,
                ev.density as f64 / N as f64,
                ex.wall_s,
                floor.mean,
                floor.sd,
                rep.tv,
                rep.max_abs_err
            )
            .expect("write to String");
            if r.is_finite() {
                by_sampler[k][0].push((*r, w2));
                by_sampler[k][1].push((*r, rep.tv));
                by_sampler[k][2].push((*r, centre));
            }
            if m != "wall" {
                panels.push((label, ex.run.expect("checked ok").samples));
            }
        }
        let refs: Vec<(String, &Particles)> = panels.iter().map(|(n, p)| (n.clone(), p)).collect();
        plots::scatter_over_density(
            &out.join(format!("rdmc-gmm-{name}-samples")),
            &format!(
                "{name}: n = {N}, seed {SEED}; baselines at rdMC's {} gradient / {} total evaluations per sample",
                per.gradient,
                per.total()
            ),
            mix,
            &refs,
            plots::bounds(&exact),
        )?;
    }
    let titles = [
        ("w2", "W2 to exact samples"),
        ("mode-tv", "mode-weight total variation"),
        ("centre-mass", "mass on the centre mode (true 0.1)"),
    ];
    for (m, (slug, title)) in titles.iter().enumerate() {
        let mut series = sampler_series(&labels, |k| by_sampler[k][m].clone());
        let reference = match m {
            0 => Some(("noise floor (exact vs exact)", floor_pts.clone())),
            2 => Some((
                "true weight 0.1",
                floor_pts.iter().map(|&(r, _)| (r, 0.1)).collect(),
            )),
            _ => None,
        };
        if let Some((label, pts)) = reference {
            series.push(Series {
                label: label.into(),
                points: pts,
                err: vec![],
                markers: false,
                color: PALETTE_BLACK,
            });
        }
        plots::lines(
            &out.join(format!("rdmc-gmm-{slug}-vs-radius")),
            &Axes {
                title: &format!("ZOD-MC GMM: {title} vs mode radius R"),
                x_label: "mode radius R",
                y_label: slug,
                log_x: false,
            },
            &series,
        )?;
    }
    write_csv(&out.join("rdmc-gmm.csv"), &csv)?;
    print!("{csv}");
    for (m, what) in matches {
        eprintln!("baselines @{m}: {what}");
    }
    Ok(())
}

/// The W2 noise floor of `mix` at n (2 repeats) and, for every run, its exact W2 to
/// `exact` and its mode report (both weight-aware), computed in parallel: the costly
/// part of the mixture figures.
#[allow(clippy::type_complexity)]
pub(crate) fn mixture_scores(
    mix: &sampo_targets::GaussianMixture,
    exact: &Particles,
    runs: &[&sampo_core::Run],
    n: usize,
    seed: u64,
) -> (
    Result<sampo_metrics::noise_floor::NoiseFloor, sampo_metrics::MetricError>,
    Vec<Result<(f64, sampo_metrics::modes::WeightedModeReport), BenchError>>,
) {
    rayon::join(
        || {
            sampo_metrics::noise_floor::noise_floor(mix, n, 2, seed, |a, b| {
                sampo_metrics::ot::w2(a, b)
            })
        },
        || {
            runs.par_iter()
                .map(|run| -> Result<_, BenchError> {
                    let weights = crate::measure::run_weights(run)?;
                    let wa = weights.as_deref();
                    let w2 = crate::measure::two_sample("w2", &run.samples, wa, exact, seed)?
                        .expect("w2 applies to any dimension");
                    Ok((w2, crate::measure::mode_report(&run.samples, wa, mix)?))
                })
                .collect()
        },
    )
}

/// One line per sampler (`labels[k]`, palette colour k) with the points `points(k)`.
pub(crate) fn sampler_series(
    labels: &[String],
    points: impl Fn(usize) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    labels
        .iter()
        .enumerate()
        .map(|(k, label)| Series {
            label: label.clone(),
            points: points(k),
            err: vec![],
            markers: false,
            color: k,
        })
        .collect()
}

/// The W2-vs-R and mode-TV-vs-R line plots of a mixture figure: `by_sampler[k]`
/// holds sampler k's (R, W2) and (R, TV) points, `floor` the W2 noise floor; files
/// `{stem}-w2-vs-radius` and `{stem}-mode-tv-vs-radius`, titles ending in `what`.
pub(crate) fn radius_plots(
    out: &Path,
    stem: &str,
    what: &str,
    labels: &[String],
    by_sampler: &[[Vec<(f64, f64)>; 2]],
    floor: &[(f64, f64)],
) -> Result<(), BenchError> {
    for (m, (slug, title)) in [
        ("w2", "W2 to exact samples"),
        ("mode-tv", "mode-weight total variation"),
    ]
    .iter()
    .enumerate()
    {
        let mut series = sampler_series(labels, |k| by_sampler[k][m].clone());
        if m == 0 {
            series.push(Series {
                label: "noise floor (exact vs exact)".into(),
                points: floor.to_vec(),
                err: vec![],
                markers: false,
                color: PALETTE_BLACK,
            });
        }
        plots::lines(
            &out.join(format!("{stem}-{slug}-vs-radius")),
            &Axes {
                title: &format!("ZOD-MC GMM: {title} vs mode radius R, {what}"),
                x_label: "mode radius R",
                y_label: slug,
                log_x: false,
            },
            &series,
        )?;
    }
    Ok(())
}

/// Palette index of black (reference lines).
const PALETTE_BLACK: usize = plots::PALETTE.len() - 1;
