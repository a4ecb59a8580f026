//! Walk-jump figures (docs/walkjump.md): `walkjump-kappa`, the closed-form
//! condition numbers of the one-at-a-time and all-at-once chains with the values
//! measured on the walk targets' Hessians; `walkjump-gmm`, walk-jump with analytic
//! scores against ULA, MALA, underdamped Langevin, tempered SMC and parallel
//! tempering at equal gradient budget on 8
//! Gaussians, the ZOD-MC radius study and two-modes-8, with a tunnelling count.

use crate::BenchError;
use crate::figures::write_csv;
use crate::plots::{self, Axes, Series};
use sampo_core::plugin::{AnyTarget, TargetRef};
use sampo_core::{
    Counter, ExactSampler, GradTarget, Particles, PopulationKernel, Smoothable, Target,
};
use sampo_targets::{Covariance, Gaussian, GaussianMixture};
use sampo_walkjump::kappa::{kappa_aao, kappa_oat};
use sampo_walkjump::{Conditional, Joint, Scores, WalkJump, WalkJumpConfig};
use std::fmt::Write as _;
use std::path::Path;

/// The λ range of the anisotropic Gaussian (condition number 100) and the σ² values.
const LAMBDA: (f64, f64) = (0.1, 10.0);
const SIGMA2: [f64; 2] = [1.0, 10.0];
const M_MAX: usize = 64;

/// `−∂² log p / ∂y_j²` of `t` at x by central differences of the gradient (the walk
/// targets of a Gaussian are quadratic: exact up to rounding).
fn curvature(t: &dyn GradTarget, x: &[f64], j: usize) -> f64 {
    let h = 1e-4;
    let n = x.len();
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
    xp[j] += h;
    xm[j] -= h;
    t.log_density_grad(&xp, &mut gp);
    t.log_density_grad(&xm, &mut gm);
    -(gp[j] - gm[j]) / (2.0 * h)
}

/// `walkjump-kappa`.
pub fn kappa(out: &Path) -> Result<(), BenchError> {
    let (lmin, lmax) = LAMBDA;
    let g = Gaussian::new(vec![0.0, 0.0], Covariance::Diagonal(vec![lmin, lmax]))?;
    let mut csv =
        "sigma2,m,kappa_oat,kappa_aao,kappa_oat_measured,kappa_aao_measured\n".to_string();
    let mut series = Vec::new();
    for (k, &s2) in SIGMA2.iter().enumerate() {
        let counter = Counter::new();
        let levels = (1..=M_MAX)
            .map(|m| g.smoothed(s2 / m as f64))
            .collect::<Result<Vec<_>, _>>()?;
        let scores = Scores::Analytic {
            levels,
            counter: &counter,
        };
        let (mut oat, mut aao, mut oat_m, mut aao_m) = (vec![], vec![], vec![], vec![]);
        for m in 1..=M_MAX {
            let ko = kappa_oat(s2, lmin, lmax, m);
            let ka = kappa_aao(s2, lmin, lmax, m);
            oat.push((m as f64, ko.log10()));
            aao.push((m as f64, ka.log10()));
            let measured = [1, 2, 4, 8, 16, 32, 64].contains(&m);
            let (mut mo, mut ma) = (f64::NAN, f64::NAN);
            if measured {
                let sum = [0.3, -0.2];
                let c = Conditional {
                    scores: &scores,
                    m,
                    sigma2: s2,
                    sum: &sum,
                };
                mo = curvature(&c, &[0.1, 0.2], 0) / curvature(&c, &[0.1, 0.2], 1);
                // The joint's extreme curvatures: along the block sum of the λ_max
                // axis (1/(σ² + mλ_max)) and, for m ≥ 2, along a zero-sum direction
                // (1/σ²); measured as Rayleigh quotients of the Hessian.
                let j = Joint {
                    scores: &scores,
                    m,
                    sigma2: s2,
                    d: 2,
                };
                let x = vec![0.05; 2 * m];
                let along = |v: &[f64]| {
                    let h = 1e-4;
                    let n = x.len();
                    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
                    let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
                    let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
                    j.log_density_grad(&xp, &mut gp);
                    j.log_density_grad(&xm, &mut gm);
                    let vv: f64 = v.iter().map(|a| a * a).sum();
                    -gp.iter()
                        .zip(&gm)
                        .zip(v)
                        .map(|((p, q), b)| (p - q) / (2.0 * h) * b)
                        .sum::<f64>()
                        / vv
                };
                let mut soft = vec![0.0; 2 * m];
                for b in 0..m {
                    soft[2 * b + 1] = 1.0;
                }
                let stiff: Vec<f64> = if m >= 2 {
                    let mut v = vec![0.0; 2 * m];
                    v[0] = 1.0;
                    v[2] = -1.0;
                    v
                } else {
                    vec![1.0, 0.0]
                };
                ma = along(&stiff) / along(&soft);
                oat_m.push((m as f64, mo.log10()));
                aao_m.push((m as f64, ma.log10()));
            }
            writeln!(csv, "{s2},{m},{ko},{ka},{mo},{ma}").expect("write to String");
        }
        let c = 2 * k;
        series.push(Series {
            label: format!("OAT, σ² = {s2}"),
            points: oat,
            err: vec![],
            markers: false,
            color: c,
        });
        series.push(Series {
            label: format!("OAT measured, σ² = {s2}"),
            points: oat_m,
            err: vec![],
            markers: true,
            color: c,
        });
        series.push(Series {
            label: format!("AAO, σ² = {s2}"),
            points: aao,
            err: vec![],
            markers: false,
            color: c + 1,
        });
        series.push(Series {
            label: format!("AAO measured, σ² = {s2}"),
            points: aao_m,
            err: vec![],
            markers: true,
            color: c + 1,
        });
    }
    plots::lines(
        &out.join("walkjump-kappa"),
        &Axes {
            title: "condition number of the walk targets, N(0, diag(0.1, 10))",
            x_label: "measurements m",
            y_label: "log10 κ",
            log_x: true,
        },
        &series,
    )?;
    write_csv(&out.join("walkjump-kappa.csv"), &csv)?;
    print!("{csv}");
    Ok(())
}

/// Nearest-mode switches of the jumps `x̂_m` along m: mean switches per chain, the
/// fraction of chains whose final mode differs from their first jump's, and the
/// modes of the first `keep` chains at every m.
fn tunnelling(
    mix: &GaussianMixture,
    chains: usize,
    keep: usize,
    seed: u64,
) -> Result<(f64, f64, Vec<Vec<usize>>), BenchError> {
    let target = AnyTarget::Gradient(Box::new(mix.clone()));
    let counter = Counter::new();
    let t = TargetRef::new(&target, &counter);
    let density = t.density();
    let wj = WalkJump::new(WalkJumpConfig::default())?;
    let kernel = wj.kernel(&t, &density, None)?;
    let x0 = Particles::zeros(chains, mix.dim());
    let (mut state, _) = kernel.init(&x0, seed)?;
    let mut modes: Vec<Vec<usize>> = vec![Vec::new(); chains];
    for m in 1..=wj.config().measurements as u64 {
        kernel.step(&mut state, m)?;
        for (c, x) in kernel.positions(&state).chunks_exact(mix.dim()).enumerate() {
            modes[c].push(mix.nearest_component(x));
        }
    }
    let switches: usize = modes
        .iter()
        .map(|ms| ms.windows(2).filter(|w| w[0] != w[1]).count())
        .sum();
    let changed = modes.iter().filter(|ms| ms.first() != ms.last()).count();
    Ok((
        switches as f64 / chains as f64,
        changed as f64 / chains as f64,
        modes.into_iter().take(keep).collect(),
    ))
}

/// `walkjump-gmm`.
pub fn gmm(out: &Path) -> Result<(), BenchError> {
    use crate::budget::BudgetSpec;
    use crate::execute::{Request, Status, execute};
    use sampo_core::plugin::Budget;
    const N: usize = 2000;
    const SEED: u64 = 1;
    let walkjump = crate::spec::sampler("walkjump", &[])?;
    // The same chain with a posterior draw as output (no under-dispersion).
    let mut draw = crate::spec::sampler("walkjump", &["output=posterior-draw".to_string()])?;
    draw.label = "walkjump-draw".into();
    // The tempered baselines start from the wide reference of the rdMC figure: from
    // N(0, I) no tempered path reaches modes at radius 26.
    let wide = [format!(
        "reference.scale={}",
        crate::figures::TEMPERED_REFERENCE_SCALE
    )];
    let baselines = [
        draw,
        crate::spec::sampler("ula", &[])?,
        crate::spec::sampler("mala", &[])?,
        crate::spec::sampler("underdamped", &[])?,
        crate::spec::sampler("smc", &wide)?,
        crate::spec::sampler("pt", &wide)?,
    ];
    let per = walkjump
        .built
        .sampler
        .fixed_cost(2)
        .expect("walkjump's cost is fixed by its config")
        .gradient;
    let mut cases = crate::figures::mixture_cases()?;
    cases.push((
        "two-modes-8".into(),
        f64::NAN,
        GaussianMixture::two_modes(8)?,
    ));
    let labels: Vec<String> = std::iter::once("walkjump".to_string())
        .chain(baselines.iter().map(|b| b.label.clone()))
        .collect();
    let mut csv = "target,R,d,sampler,n,grad_evals_per_sample,wall_s,w2,w2_floor,w2_floor_sd,mode_tv,max_weight_err,switches_per_chain,changed_fraction\n".to_string();
    let mut by_sampler: Vec<[Vec<(f64, f64)>; 2]> = vec![Default::default(); labels.len()];
    let mut floor_pts = Vec::new();
    let req = Request {
        n: N,
        budget: BudgetSpec::Evals(Budget::gradient(per)),
        chains: None,
        seed: SEED,
        init_scale: 1.0,
    };
    for (name, r, mix) in &cases {
        let handle = crate::spec::TargetHandle::of_mixture(name.clone(), mix);
        let exact = mix.sample_exact_n(N, SEED ^ 0xE7AC7);
        let runs: Vec<_> = std::iter::once(&walkjump)
            .chain(baselines.iter())
            .map(|s| execute(&handle, s, &req, vec![]))
            .collect();
        for (label, ex) in labels.iter().zip(&runs) {
            if ex.status != Status::Ok {
                return Err(BenchError::Usage(format!(
                    "figure walkjump-gmm: {label} on {name} failed: {}",
                    ex.status.text()
                )));
            }
        }
        let finished: Vec<&sampo_core::Run> = runs
            .iter()
            .map(|ex| ex.run.as_ref().expect("checked ok"))
            .collect();
        let (floor, measured) = crate::figures::mixture_scores(mix, &exact, &finished, N, SEED);
        let floor = floor?;
        let (switches, changed, traces) = tunnelling(mix, 500, 8, SEED)?;
        if r.is_finite() {
            floor_pts.push((*r, floor.mean));
        }
        let mut panels: Vec<(String, Particles)> = vec![("exact".into(), exact.clone())];
        for (k, ((label, ex), res)) in labels.iter().zip(runs).zip(measured).enumerate() {
            let (w2, rep) = res?;
            let (sw, ch) = if k == 0 {
                (switches.to_string(), changed.to_string())
            } else {
                (String::new(), String::new())
            };
            writeln!(
                csv,
                "{name},{r},{},{label},{N},{},{},{w2},{},{},{},{},{sw},{ch}",
                mix.dim(),
                ex.evaluations.gradient as f64 / N as f64,
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
            }
            panels.push((label.clone(), ex.run.expect("checked ok").samples));
        }
        if mix.dim() == 2 {
            let refs: Vec<(String, &Particles)> =
                panels.iter().map(|(n, p)| (n.clone(), p)).collect();
            plots::scatter_over_density(
                &out.join(format!("walkjump-gmm-{name}-samples")),
                &format!("{name}: n = {N}, seed {SEED}, {per} gradient evaluations per sample"),
                mix,
                &refs,
                plots::bounds(&exact),
            )?;
        }
        if name == "zodmc-R16" {
            let series: Vec<Series> = traces
                .iter()
                .enumerate()
                .map(|(c, ms)| Series {
                    label: format!("chain {c}"),
                    points: ms
                        .iter()
                        .enumerate()
                        .map(|(m, &k)| ((m + 1) as f64, k as f64 + 0.06 * c as f64))
                        .collect(),
                    err: vec![],
                    markers: false,
                    color: c % plots::PALETTE.len(),
                })
                .collect();
            plots::lines(
                &out.join("walkjump-gmm-tunnelling"),
                &Axes {
                    title: "ZOD-MC R = 16: nearest mode of the jump x̂_m along m (8 chains)",
                    x_label: "measurement m",
                    y_label: "mode (0 = centre, weight 0.1)",
                    log_x: false,
                },
                &series,
            )?;
        }
    }
    crate::figures::radius_plots(
        out,
        "walkjump-gmm",
        "equal gradient budget",
        &labels,
        &by_sampler,
        &floor_pts,
    )?;
    write_csv(&out.join("walkjump-gmm.csv"), &csv)?;
    print!("{csv}");
    Ok(())
}
