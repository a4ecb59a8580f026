//! `physics-profiles`: free-energy profiles F(x) = −ln p(x) (kT, minimum shifted to
//! 0) of Müller–Brown along x, from each sampler's output against the exact profile
//! by quadrature, at 1000 gradient (or density) evaluations per sample.
//!
//! The target is Müller–Brown at s = 0.05 (three wells of comparable weight; at
//! bgflow's s = 0.15 the deepest holds 99.4% and the profile is one well). The exact
//! marginal is p(x) ∝ ∫ e^{−E(x, y)} dy by Gauss–Legendre over the grid's y range,
//! integrated over each bin by 20-node Gauss–Legendre in x. Error bars are the profile's
//! delta-method standard errors (independent chains: one chain per sample).

use crate::BenchError;

use crate::execute::{Request, Status, execute};
use crate::plots;
use crate::spec::TargetHandle;
use sampo_core::Target;
use sampo_core::plugin::AnyTarget;
use sampo_metrics::free_energy::profile_1d;
use sampo_targets::MullerBrown;
use sampo_targets::quadrature::integrate;
use std::fmt::Write as _;
use std::path::Path;

const N: usize = 4000;
const SEED: u64 = 1;
const BUDGET: u64 = 1000;
const BINS: usize = 40;
/// Müller–Brown's scale in this figure (module docs).
const SCALE: f64 = 0.05;
/// Bins with fewer samples than this are left out of a sampler's curve (their
/// F is dominated by counting noise).
const MIN_COUNT: u64 = 5;

/// Runs the figure into `out`.
pub fn profiles(out: &Path) -> Result<(), BenchError> {
    let mb = MullerBrown::new(SCALE)?;
    let grid = mb
        .grid()
        .ok_or_else(|| BenchError::Usage("figure physics-profiles: no Müller–Brown grid".into()))?;
    let ((x0, x1), (y0, y1)) = grid.bounds();
    // The plotted range: where the exact marginal is within 12 kT of its minimum.
    let marginal = |x: f64| integrate(|y| mb.log_density(&[x, y]).exp(), y0, y1, 64);
    let (lo, hi) = {
        let xs: Vec<f64> = (0..=400)
            .map(|i| x0 + (x1 - x0) * i as f64 / 400.0)
            .collect();
        let f: Vec<f64> = xs.iter().map(|x| -marginal(*x).ln()).collect();
        let fmin = f.iter().cloned().fold(f64::INFINITY, f64::min);
        let inside: Vec<f64> = xs
            .iter()
            .zip(&f)
            .filter(|(_, v)| **v < fmin + 12.0)
            .map(|(x, _)| *x)
            .collect();
        (inside[0], inside[inside.len() - 1])
    };
    let width = (hi - lo) / BINS as f64;
    let exact_p: Vec<f64> = (0..BINS)
        .map(|b| {
            let a = lo + b as f64 * width;
            integrate(marginal, a, a + width, 1)
        })
        .collect();
    let exact_f: Vec<f64> = {
        let f: Vec<f64> = exact_p.iter().map(|p| -p.ln()).collect();
        let m = f.iter().cloned().fold(f64::INFINITY, f64::min);
        f.iter().map(|v| v - m).collect()
    };
    let centers: Vec<f64> = (0..BINS).map(|b| lo + (b as f64 + 0.5) * width).collect();

    let handle = TargetHandle::plain(
        format!("muller-brown-s{SCALE}"),
        AnyTarget::Gradient(Box::new(mb.clone())),
    );
    let kinds = ["mala-adapt", "nuts", "pt", "smc", "follmer", "gpss"];
    let mut series = vec![plots::Series {
        label: "exact (quadrature)".into(),
        points: centers
            .iter()
            .copied()
            .zip(exact_f.iter().copied())
            .collect(),
        err: vec![],
        markers: false,
        color: 0,
    }];
    let mut csv = String::from("sampler,x,F,se,count,F_exact\n");
    let mut table = String::from(
        "| sampler | grad/sample | dens/sample | max \\|F − F_exact\\| (kT) | max \\|F − F_exact\\| / SE |\n|---|---|---|---|---|\n",
    );
    for (k, kind) in kinds.iter().enumerate() {
        let s = crate::spec::sampler(kind, &[])?;
        let req = Request::in_primary_unit(&s, N, BUDGET, SEED);
        let ex = execute(&handle, &s, &req, vec![]);
        let run = match (&ex.status, &ex.run) {
            (Status::Ok, Some(r)) => r,
            _ => {
                writeln!(table, "| {kind} | – | – | failed: {} | |", ex.status.text())
                    .expect("write to String");
                continue;
            }
        };
        let x = run.samples.column(0);
        let prof = profile_1d(&x, run.log_weights.as_deref(), BINS, (lo, hi))?;
        let mut pts = Vec::new();
        let mut err = Vec::new();
        // Over the bins with ≥ MIN_COUNT samples where F_exact < 6 kT.
        let (mut worst, mut worst_z): (f64, f64) = (0.0, 0.0);
        for b in 0..BINS {
            writeln!(
                csv,
                "{kind},{},{},{},{},{}",
                centers[b], prof.free_energy[b], prof.std_err[b], prof.counts[b], exact_f[b]
            )
            .expect("write to String");
            if prof.counts[b] >= MIN_COUNT && prof.free_energy[b].is_finite() {
                pts.push((centers[b], prof.free_energy[b]));
                err.push(prof.std_err[b]);
                if exact_f[b] < 6.0 {
                    let dev = (prof.free_energy[b] - exact_f[b]).abs();
                    worst = worst.max(dev);
                    worst_z = worst_z.max(dev / prof.std_err[b]);
                }
            }
        }
        let e = ex.evaluations;
        writeln!(
            table,
            "| {kind} | {:.0} | {:.0} | {worst:.3} | {worst_z:.1} |",
            e.gradient as f64 / N as f64,
            e.density as f64 / N as f64
        )
        .expect("write to String");
        series.push(plots::Series {
            label: (*kind).into(),
            points: pts,
            err,
            markers: true,
            color: k + 1,
        });
    }
    std::fs::create_dir_all(out).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    crate::figures::write_csv(&out.join("physics-profiles.csv"), &csv)?;
    let title =
        format!("Müller–Brown, s = {SCALE}: F(x), n = {N}, {BUDGET} evals/sample, seed {SEED}");
    plots::lines(
        &out.join("physics-profiles"),
        &plots::Axes {
            title: &title,
            x_label: "x",
            y_label: "F(x) [kT]",
            log_x: false,
        },
        &series,
    )?;
    println!("{title}\n\n{table}");
    std::fs::write(
        out.join("physics-profiles.md"),
        format!("{title}\n\n{table}"),
    )
    .map_err(|source| BenchError::Io {
        path: out.join("physics-profiles.md"),
        source,
    })?;
    Ok(())
}
