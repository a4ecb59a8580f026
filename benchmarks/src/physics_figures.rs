//! `physics-profiles`: free-energy profiles F(x) = −ln p(x) (kT, minimum shifted to
//! 0) of Müller–Brown along x, from each sampler's output against the exact profile
//! by quadrature, at 1000 gradient (or density) evaluations per sample.
//!
//! The target is Müller–Brown at s = 0.05 (three wells of comparable weight; at
//! bgflow's s = 0.15 the deepest holds 99.4% and the profile is one well). The exact
//! marginal is p(x) ∝ ∫ e^{−E(x, y)} dy by Gauss–Legendre over the grid's y range,
//! integrated over each bin by 20-node Gauss–Legendre in x. Error bars are the profile's
//! delta-method standard errors (independent chains: one chain per sample).
//!
//! With the DW-4 reference set present (`benchmarks/scripts/physics_references.sh`),
//! also F(d) of the pooled pair distances of DW-4 from MALA, NUTS, PT, SMC and the
//! stretch move (n = 2000, start N(0, 1.5² I) in the CoM-free coordinates) against
//! the reference set's, as `physics-profiles-dw4.*`. No error bars there: the six
//! distances of a configuration are correlated, and so are the reference draws.

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
        let Some(ex) = run_kind(kind, &handle, N, 1.0, &mut table, 1)? else {
            continue;
        };
        let run = ex.run.as_ref().expect("run_kind returns finished runs");
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
    let dw4 = dw4_profile(out)?;
    println!("{dw4}");
    std::fs::write(
        out.join("physics-profiles.md"),
        format!("{title}\n\n{table}\n{dw4}"),
    )
    .map_err(|source| BenchError::Io {
        path: out.join("physics-profiles.md"),
        source,
    })?;
    Ok(())
}

/// Runs sampler `kind` (its defaults) on `handle` for `n` samples at [`BUDGET`]
/// evaluations per sample in its primary unit, from N(0, init_scale² I). A failed
/// run becomes a row of `table` (with `blank` more empty cells) and `None`.
fn run_kind(
    kind: &str,
    handle: &TargetHandle,
    n: usize,
    init_scale: f64,
    table: &mut String,
    blank: usize,
) -> Result<Option<crate::execute::Executed>, BenchError> {
    let s = crate::spec::sampler(kind, &[])?;
    let mut req = Request::in_primary_unit(&s, n, BUDGET, SEED);
    req.init_scale = init_scale;
    let ex = execute(handle, &s, &req, vec![]);
    if ex.status == Status::Ok && ex.run.is_some() {
        return Ok(Some(ex));
    }
    writeln!(
        table,
        "| {kind} | – | – | failed: {} |{}",
        ex.status.text(),
        " |".repeat(blank)
    )
    .expect("write to String");
    Ok(None)
}

/// Where `benchmarks/scripts/physics_references.sh` writes the DW-4 reference set
/// (relative to the repository root, where the figure is run from).
const DW4_REFERENCE: &str = "benchmarks/reference/dw4";

/// The DW-4 part: F(d) of the pooled pair distances from each sampler against the
/// reference set; a note instead when the set is missing.
fn dw4_profile(out: &Path) -> Result<String, BenchError> {
    let cfg = sampo_targets::TargetConfig::Preset {
        preset: "dw4".into(),
    };
    let dir = Path::new(DW4_REFERENCE);
    if !dir.join("reference.json").exists() {
        return Ok(format!(
            "DW-4: no reference set at {DW4_REFERENCE} (run benchmarks/scripts/physics_references.sh); its profile is left out.\n"
        ));
    }
    let mut handle = TargetHandle::from_config("dw4".into(), &cfg)?;
    let reference = crate::reference::ReferenceSet::load(dir, &cfg)?;
    let (d_ref, _) =
        crate::physics::distances(reference.draws(), None, &handle).expect("dw4 has a frame");
    handle.reference = Some(std::sync::Arc::new(reference));
    let (lo, hi) = (1.0, 7.0);
    let prof_ref = profile_1d(&d_ref, None, BINS, (lo, hi))?;
    let centers = prof_ref.centers.clone();
    let mut series = vec![plots::Series {
        label: "reference set".into(),
        points: centers
            .iter()
            .zip(&prof_ref.free_energy)
            .filter(|(_, f)| f.is_finite())
            .map(|(c, f)| (*c, *f))
            .collect(),
        err: vec![],
        markers: false,
        color: 0,
    }];
    let mut csv = String::from("sampler,d,F,count,F_reference\n");
    let mut table = format!(
        "DW-4: F(d) of the pooled pair distances, n = 2000, {BUDGET} evals/sample, seed {SEED}, against the reference set ({} rows)\n\n| sampler | grad/sample | dens/sample | max \\|F − F_ref\\| (kT), bins with F_ref < 6 kT |\n|---|---|---|---|\n",
        d_ref.len() / 6
    );
    for (k, kind) in ["mala-adapt", "nuts", "pt", "smc", "stretch"]
        .iter()
        .enumerate()
    {
        let Some(ex) = run_kind(kind, &handle, 2000, 1.5, &mut table, 0)? else {
            continue;
        };
        let run = ex.run.as_ref().expect("run_kind returns finished runs");
        let (d, _) = crate::physics::distances(&run.samples, None, &handle).expect("frame");
        let per = d.len() / run.samples.len();
        let lw: Option<Vec<f64>> = run.log_weights.as_ref().map(|w| {
            w.iter()
                .flat_map(|v| std::iter::repeat_n(*v, per))
                .collect()
        });
        let prof = profile_1d(&d, lw.as_deref(), BINS, (lo, hi))?;
        let mut pts = Vec::new();
        let mut worst: f64 = 0.0;
        for (b, &c) in centers.iter().enumerate() {
            writeln!(
                csv,
                "{kind},{c},{},{},{}",
                prof.free_energy[b], prof.counts[b], prof_ref.free_energy[b]
            )
            .expect("write to String");
            if prof.counts[b] >= MIN_COUNT && prof.free_energy[b].is_finite() {
                pts.push((c, prof.free_energy[b]));
                if prof_ref.free_energy[b] < 6.0 {
                    worst = worst.max((prof.free_energy[b] - prof_ref.free_energy[b]).abs());
                }
            }
        }
        let e = ex.evaluations;
        writeln!(
            table,
            "| {kind} | {:.0} | {:.0} | {worst:.3} |",
            e.gradient as f64 / 2000.0,
            e.density as f64 / 2000.0
        )
        .expect("write to String");
        series.push(plots::Series {
            label: (*kind).into(),
            points: pts,
            err: vec![],
            markers: true,
            color: k + 1,
        });
    }
    crate::figures::write_csv(&out.join("physics-profiles-dw4.csv"), &csv)?;
    plots::lines(
        &out.join("physics-profiles-dw4"),
        &plots::Axes {
            title: &format!("DW-4: F(d) of pair distances, n = 2000, {BUDGET} evals/sample"),
            x_label: "pair distance d",
            y_label: "F(d) [kT]",
            log_x: false,
        },
        &series,
    )?;
    Ok(table)
}
