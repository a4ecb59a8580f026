//! The GPSS paper's anchors (Schär, Habeck & Rudolf, ICML 2023; numbers from the
//! camera-ready notebooks, samplers-b.md §1.5), regenerated next to the paper's
//! numbers: `gpss-hyperplane` (E2) and `gpss-cauchy` (E1). Each runs one long chain
//! per sampler from the paper's start, with its window, and reports TDE/it (density
//! evaluations per iteration, counted as the reference code counts them), the IAT
//! in the reference code's convention ([`sampo_metrics::ess::iat_gpss`]) and the
//! mean step size.

use crate::BenchError;
use crate::figures::write_csv;
use crate::plots::{self, Axes, Series};
use rayon::prelude::*;
use sampo_core::{Kernel, Target, rng};
use sampo_metrics::ess::iat_gpss;
use sampo_slice::{
    Elliptical, EllipticalConfig, Gpss, GpssConfig, Hruss, HrussConfig, PriorConfig,
};
use std::fmt::Write as _;
use std::path::Path;

/// One long chain: what is kept of every state (x₀ included, as the reference
/// code keeps it), density evaluations per iteration and the mean step size.
struct Chain {
    states: Vec<Vec<f64>>,
    tde_per_it: f64,
    mss: f64,
}

fn run_chain<K: Kernel>(
    kernel: &K,
    x0: &[f64],
    iterations: usize,
    seed: u64,
    keep: fn(&[f64]) -> Vec<f64>,
) -> Result<Chain, BenchError>
where
    K::Info: HasStep,
{
    let mut r = rng::stream(seed, 0);
    let (mut state, _) = kernel.init(x0, &mut r)?;
    let tuning = kernel.initial_tuning();
    let mut states = Vec::with_capacity(iterations + 1);
    states.push(keep(x0));
    let (mut tde, mut length) = (0u64, 0.0);
    for step in 1..=iterations {
        let info = kernel.step(&tuning, &mut state, &mut r).map_err(|d| {
            BenchError::Core(sampo_core::CoreError::Diverged {
                step: step as u64,
                chain: 0,
                reason: d.reason,
            })
        })?;
        tde += sampo_core::StepInfo::evaluations(&info).density;
        length += info.step_length();
        states.push(keep(kernel.position(&state)));
    }
    Ok(Chain {
        states,
        tde_per_it: tde as f64 / iterations as f64,
        mss: length / iterations as f64,
    })
}

/// The step length a slice iteration reports.
trait HasStep {
    fn step_length(&self) -> f64;
}
impl HasStep for sampo_slice::SliceInfo {
    fn step_length(&self) -> f64 {
        self.step_length
    }
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// A sampler of the comparison: its label, its chain and the paper's row.
struct Row {
    label: &'static str,
    chain: Chain,
    paper: [f64; 3],
}

fn table(title: &str, metric: &str, rows: &[Row], iat: &dyn Fn(&Chain) -> f64) -> (String, String) {
    let mut md = format!(
        "{title}\n\n| sampler | TDE/it | TDE/it (paper) | {metric} | {metric} (paper) | MSS | MSS (paper) |\n|---|---|---|---|---|---|---|\n"
    );
    let mut csv =
        format!("sampler,tde_per_it,tde_per_it_paper,{metric},{metric}_paper,mss,mss_paper\n");
    for r in rows {
        let t = iat(&r.chain);
        let p = r.paper;
        let fmt = |v: f64| {
            if v.is_nan() {
                "–".to_string()
            } else {
                format!("{v:.2}")
            }
        };
        writeln!(
            md,
            "| {} | {:.2} | {} | {:.2} | {} | {:.2} | {} |",
            r.label,
            r.chain.tde_per_it,
            fmt(p[0]),
            t,
            fmt(p[1]),
            r.chain.mss,
            fmt(p[2])
        )
        .expect("write to String");
        writeln!(
            csv,
            "{},{},{},{t},{},{},{}",
            r.label, r.chain.tde_per_it, p[0], p[1], r.chain.mss, p[2]
        )
        .expect("write to String");
    }
    (md, csv)
}

/// Traces of `f(x_t)` for every sampler, as a line plot.
fn traces(
    stem: &Path,
    title: &str,
    y_label: &str,
    rows: &[Row],
    f: &dyn Fn(&[f64]) -> f64,
    every: usize,
) -> Result<(), BenchError> {
    let series: Vec<Series> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| Series {
            label: r.label.into(),
            points: r
                .chain
                .states
                .iter()
                .enumerate()
                .step_by(every)
                .map(|(t, x)| (t as f64, f(x)))
                .collect(),
            err: vec![],
            markers: false,
            color: k,
        })
        .collect();
    plots::lines(
        stem,
        &Axes {
            title,
            x_label: "iteration",
            y_label,
            log_x: false,
        },
        &series,
    )
}

/// E2: the hyperplane disk log ϱ(x) = −‖x‖² − (Σ x_i)² in d = 200, 10⁴ iterations
/// from (1, …, 1, 1 − d) scaled to norm 10 (a point of the hyperplane Σ x = 0),
/// w = 20; the tuned ESS uses the empirical covariance of the GPSS chain. IAT of
/// the radius (maxl = n/2).
pub fn hyperplane(out: &Path) -> Result<(), BenchError> {
    let d = 200;
    let iterations = 10_000;
    let target = sampo_targets::preset("hyperplane-disk-200")?;
    let t: &dyn Target = &*target;
    let mut x0: Vec<f64> = (0..d)
        .map(|i| if i + 1 < d { 1.0 } else { 1.0 - d as f64 })
        .collect();
    let s = 10.0 / norm(&x0);
    x0.iter_mut().for_each(|v| *v *= s);
    let w = 20.0;
    let gpss = run_chain(
        &Gpss::new(t, &GpssConfig::with_window(w))?,
        &x0,
        iterations,
        1,
        <[f64]>::to_vec,
    )?;
    // Tuned ESS: C = the empirical covariance (divisor n − 1) of the GPSS states.
    let n = gpss.states.len();
    let mean: Vec<f64> = (0..d)
        .map(|j| gpss.states.iter().map(|x| x[j]).sum::<f64>() / n as f64)
        .collect();
    let mut cov = vec![0.0; d * d];
    for x in &gpss.states {
        for i in 0..d {
            let a = x[i] - mean[i];
            for j in 0..=i {
                cov[i * d + j] += a * (x[j] - mean[j]);
            }
        }
    }
    for i in 0..d {
        for j in 0..=i {
            cov[i * d + j] /= (n - 1) as f64;
            cov[j * d + i] = cov[i * d + j];
        }
    }
    let c00 = cov[0];
    let c0_rest: f64 = cov[1..d].iter().sum();
    let tuned = EllipticalConfig {
        prior: PriorConfig {
            cov: Some(cov),
            ..Default::default()
        },
        ..Default::default()
    };
    let others: Vec<Result<Chain, BenchError>> = (0..3)
        .into_par_iter()
        .map(|k| match k {
            0 => run_chain(
                &Hruss::new(t, &HrussConfig::with_window(w))?,
                &x0,
                iterations,
                2,
                <[f64]>::to_vec,
            ),
            1 => run_chain(
                &Elliptical::new(t, &EllipticalConfig::default())?,
                &x0,
                iterations,
                3,
                <[f64]>::to_vec,
            ),
            _ => run_chain(
                &Elliptical::new(t, &tuned)?,
                &x0,
                iterations,
                4,
                <[f64]>::to_vec,
            ),
        })
        .collect();
    let mut it = others.into_iter();
    let rows = vec![
        Row {
            label: "GPSS",
            chain: gpss,
            paper: [12.23, 1.09, 5.05],
        },
        Row {
            label: "HRUSS",
            chain: it.next().expect("3")?,
            paper: [7.78, 684.57, 0.58],
        },
        Row {
            label: "ESS (naive)",
            chain: it.next().expect("3")?,
            paper: [7.91, 199.17, 2.42],
        },
        Row {
            label: "ESS (tuned)",
            chain: it.next().expect("3")?,
            paper: [6.51, 188.13, 3.54],
        },
    ];
    let radius_iat = |c: &Chain| {
        let r: Vec<f64> = c.states.iter().map(|x| norm(x)).collect();
        iat_gpss(&r, None).unwrap_or(f64::NAN)
    };
    let (mut md, csv) = table(
        &format!(
            "GPSS paper, hyperplane disk (d = 200, 10⁴ iterations, w = 20); tuned ESS prior \
             C₀₀ = {c00:.4}, Σ_{{j>0}} C₀ⱼ = {c0_rest:.4} (paper: 0.4754, −0.4738)"
        ),
        "IAT(r)",
        &rows,
        &radius_iat,
    );
    md.push('\n');
    print!("{md}");
    write_csv(&out.join("gpss-hyperplane.csv"), &csv)?;
    write_csv(&out.join("gpss-hyperplane.md"), &md)?;
    traces(
        &out.join("gpss-hyperplane-radii"),
        "hyperplane disk (d = 200): radius traces",
        "‖x‖",
        &rows,
        &norm,
        10,
    )
}

/// E1: the multivariate standard Cauchy in d = 100, 10⁶ iterations from (1, …, 1),
/// w = d. IAT of the log radius (maxl = n/10), and the running estimate of
/// p(b) = P(‖x‖ > b, x₁ > 0) = 0.25 at b = 14.7721 (P(‖x‖ > b) = 1/2).
pub fn cauchy(out: &Path) -> Result<(), BenchError> {
    let d = 100;
    let iterations = 1_000_000;
    let target = sampo_targets::Cauchy::new(d)?;
    let t: &dyn Target = &target;
    let x0 = vec![1.0; d];
    let w = d as f64;
    // 10⁶ states of 100 coordinates would take 800 MB per chain: keep (‖x‖, x₁).
    let keep: fn(&[f64]) -> Vec<f64> = |x| vec![norm(x), x[0]];
    let chains: Vec<Result<Chain, BenchError>> = (0..3)
        .into_par_iter()
        .map(|k| match k {
            0 => run_chain(
                &Gpss::new(t, &GpssConfig::with_window(w))?,
                &x0,
                iterations,
                1,
                keep,
            ),
            1 => run_chain(
                &Hruss::new(t, &HrussConfig::with_window(w))?,
                &x0,
                iterations,
                2,
                keep,
            ),
            _ => run_chain(
                &Elliptical::new(t, &EllipticalConfig::default())?,
                &x0,
                iterations,
                3,
                keep,
            ),
        })
        .collect();
    let mut it = chains.into_iter();
    let rows = vec![
        Row {
            label: "GPSS",
            chain: it.next().expect("3")?,
            paper: [6.90, 8.59, f64::NAN],
        },
        Row {
            label: "HRUSS",
            chain: it.next().expect("3")?,
            paper: [8.46, 51346.93, f64::NAN],
        },
        Row {
            label: "ESS (naive)",
            chain: it.next().expect("3")?,
            paper: [5.86, 35543.94, f64::NAN],
        },
    ];
    let log_radius_iat = |c: &Chain| {
        let r: Vec<f64> = c.states.iter().map(|s| s[0].ln()).collect();
        iat_gpss(&r, Some(iterations / 10)).unwrap_or(f64::NAN)
    };
    let (mut md, mut csv) = table(
        "GPSS paper, multivariate standard Cauchy (d = 100, 10⁶ iterations, w = 100)",
        "IAT(log r)",
        &rows,
        &log_radius_iat,
    );
    const B: f64 = 14.7721;
    writeln!(
        md,
        "\np(b) = P(‖x‖ > {B}, x₁ > 0), exact 0.25, estimated from the whole chain:\n"
    )
    .expect("write to String");
    csv.push_str("sampler,p_b\n");
    for r in &rows {
        let hits = r
            .chain
            .states
            .iter()
            .filter(|s| s[1] > 0.0 && s[0] > B)
            .count();
        let p = hits as f64 / r.chain.states.len() as f64;
        writeln!(md, "- {}: {p:.4}", r.label).expect("write to String");
        writeln!(csv, "{},{p}", r.label).expect("write to String");
    }
    print!("{md}");
    write_csv(&out.join("gpss-cauchy.csv"), &csv)?;
    write_csv(&out.join("gpss-cauchy.md"), &md)?;
    traces(
        &out.join("gpss-cauchy-log-radii"),
        "multivariate Cauchy (d = 100): log-radius traces",
        "log ‖x‖",
        &rows,
        &|s| s[0].ln(),
        1000,
    )
}

/// Empirical quantile (type 7) of sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// E4: Neal's funnel in d = 10 (x₁ ~ N(0, 9), x_i | x₁ ~ N(0, e^{x₁})) from
/// (2, 0, …, 0), w = 5: GPSS 4·10⁵, HRUSS 10⁶ and ESS with C = diag(9, 70, …, 70)
/// 4·10⁵ iterations (the paper's sample counts; it ran each for 60 s of wall
/// time). Marginal estimates of x₁ against the truth and the paper's.
pub fn funnel(out: &Path) -> Result<(), BenchError> {
    let d = 10;
    let target = sampo_targets::preset("funnel")?;
    let t: &dyn Target = &*target;
    let mut x0 = vec![0.0; d];
    x0[0] = 2.0;
    let keep: fn(&[f64]) -> Vec<f64> = |x| vec![x[0]];
    let w = 5.0;
    let mut variances = vec![70.0; d];
    variances[0] = 9.0;
    let ess = EllipticalConfig {
        prior: PriorConfig {
            variances: Some(variances),
            ..Default::default()
        },
        ..Default::default()
    };
    let chains: Vec<Result<Chain, BenchError>> = (0..3)
        .into_par_iter()
        .map(|k| match k {
            0 => run_chain(
                &Gpss::new(t, &GpssConfig::with_window(w))?,
                &x0,
                400_000,
                1,
                keep,
            ),
            1 => run_chain(
                &Hruss::new(t, &HrussConfig::with_window(w))?,
                &x0,
                1_000_000,
                2,
                keep,
            ),
            _ => run_chain(&Elliptical::new(t, &ess)?, &x0, 400_000, 3, keep),
        })
        .collect();
    let paper = [
        ("GPSS (4·10⁵ iterations)", [0.0362, 2.965, -9.037, 9.529]),
        ("HRUSS (10⁶)", [0.0270, 3.122, -7.813, 9.256]),
        (
            "ESS, C = diag(9, 70, …) (4·10⁵)",
            [0.0880, 2.680, -5.701, 7.257],
        ),
    ];
    let mut md = "GPSS paper, Neal's funnel (d = 10, w = 5): estimates of x₁'s mean, sd and 0.001- and 0.999-quantiles (truth 0, 3, −9.2707, 9.2707); paper's in brackets\n\n| sampler | TDE/it | mean | sd | q0.001 | q0.999 |\n|---|---|---|---|---|---|\n".to_string();
    let mut csv =
        "sampler,tde_per_it,mean,sd,q001,q999,mean_paper,sd_paper,q001_paper,q999_paper\n"
            .to_string();
    for (c, (label, p)) in chains.into_iter().zip(paper) {
        let c = c?;
        let mut x: Vec<f64> = c.states.iter().map(|s| s[0]).collect();
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        x.sort_by(f64::total_cmp);
        let (q1, q2) = (quantile(&x, 0.001), quantile(&x, 0.999));
        writeln!(
            md,
            "| {label} | {:.2} | {mean:.4} ({}) | {sd:.3} ({}) | {q1:.3} ({}) | {q2:.3} ({}) |",
            c.tde_per_it, p[0], p[1], p[2], p[3]
        )
        .expect("write to String");
        writeln!(
            csv,
            "{label},{},{mean},{sd},{q1},{q2},{},{},{},{}",
            c.tde_per_it, p[0], p[1], p[2], p[3]
        )
        .expect("write to String");
    }
    print!("{md}");
    write_csv(&out.join("gpss-funnel.csv"), &csv)?;
    write_csv(&out.join("gpss-funnel.md"), &md)
}

/// E3: axial modes log ϱ = 4 log ‖x‖_∞ − ‖x‖₁ (2d modes on the axes) for
/// d = 10, 20, …, 100, 10⁵ iterations from (5, 1, …, 1), w = 10; tuned ESS with
/// C = ((5 + d/10)/√d)² I. The mode of x is argmax_j |x_j| (with its sign); mean
/// dwelling time = (iterations + 1)/(jumps + 1), max dwelling time = the longest
/// stay. The paper gives plots only: GPSS at least on par at every d in both, only
/// tuned ESS matching its mean dwelling time, at about 2× the TDE/it.
pub fn axial(out: &Path) -> Result<(), BenchError> {
    let iterations = 100_000;
    let dims: Vec<usize> = (1..=10).map(|k| 10 * k).collect();
    let labels = ["GPSS", "HRUSS", "ESS (naive)", "ESS (tuned)"];
    let keep: fn(&[f64]) -> Vec<f64> = |x| {
        let (j, v) = x
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("d >= 1");
        vec![if *v >= 0.0 {
            j as f64
        } else {
            -(j as f64) - 1.0
        }]
    };
    let jobs: Vec<(usize, usize)> = dims
        .iter()
        .flat_map(|&d| (0..4).map(move |k| (d, k)))
        .collect();
    // (d, sampler index, TDE/it, mean dwelling time, max dwelling time).
    type Cell = (usize, usize, f64, f64, f64);
    let results: Vec<Result<Cell, BenchError>> = jobs
        .into_par_iter()
        .map(|(d, k)| {
            let target = sampo_targets::preset(&format!("axial-modes-{d}"))?;
            let t: &dyn Target = &*target;
            let mut x0 = vec![1.0; d];
            x0[0] = 5.0;
            let w = 10.0;
            let seed = (d * 10 + k) as u64;
            let s = (5.0 + d as f64 / 10.0) / (d as f64).sqrt();
            let tuned = EllipticalConfig {
                prior: PriorConfig {
                    variance: Some(s * s),
                    ..Default::default()
                },
                ..Default::default()
            };
            let c = match k {
                0 => run_chain(
                    &Gpss::new(t, &GpssConfig::with_window(w))?,
                    &x0,
                    iterations,
                    seed,
                    keep,
                )?,
                1 => run_chain(
                    &Hruss::new(t, &HrussConfig::with_window(w))?,
                    &x0,
                    iterations,
                    seed,
                    keep,
                )?,
                2 => run_chain(
                    &Elliptical::new(t, &EllipticalConfig::default())?,
                    &x0,
                    iterations,
                    seed,
                    keep,
                )?,
                _ => run_chain(&Elliptical::new(t, &tuned)?, &x0, iterations, seed, keep)?,
            };
            let (mut jumps, mut longest, mut since) = (0usize, 0usize, 0usize);
            for p in c.states.windows(2) {
                since += 1;
                if p[0][0] != p[1][0] {
                    jumps += 1;
                    longest = longest.max(since);
                    since = 0;
                }
            }
            longest = longest.max(since + 1);
            let mean_dt = c.states.len() as f64 / (jumps + 1) as f64;
            Ok((d, k, c.tde_per_it, mean_dt, longest as f64))
        })
        .collect();
    let mut csv = "sampler,d,tde_per_it,mean_dwelling,max_dwelling\n".to_string();
    let mut md = "GPSS paper, axial modes (10⁵ iterations per sampler and d, w = 10): mean dwelling time (max in brackets), TDE/it\n\n| d | GPSS | HRUSS | ESS (naive) | ESS (tuned) |\n|---|---|---|---|---|\n".to_string();
    let mut by = vec![vec![(0.0, 0.0, 0.0); 4]; dims.len()];
    for r in results {
        let (d, k, tde, mean_dt, max_dt) = r?;
        by[d / 10 - 1][k] = (tde, mean_dt, max_dt);
        writeln!(csv, "{},{d},{tde},{mean_dt},{max_dt}", labels[k]).expect("write to String");
    }
    for (i, row) in by.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|(tde, m, x)| format!("{m:.1} ({x:.0}), {tde:.2}"))
            .collect();
        writeln!(md, "| {} | {} |", dims[i], cells.join(" | ")).expect("write to String");
    }
    print!("{md}");
    write_csv(&out.join("gpss-axial.csv"), &csv)?;
    write_csv(&out.join("gpss-axial.md"), &md)?;
    let series: Vec<Series> = (0..4)
        .map(|k| Series {
            label: labels[k].into(),
            points: dims
                .iter()
                .enumerate()
                .map(|(i, &d)| (d as f64, by[i][k].1))
                .collect(),
            err: vec![],
            markers: false,
            color: k,
        })
        .collect();
    plots::lines(
        &out.join("gpss-axial-mean-dwelling"),
        &Axes {
            title: "axial modes: mean dwelling time vs d",
            x_label: "d",
            y_label: "mean dwelling time (iterations)",
            log_x: false,
        },
        &series,
    )
}
