//! Results: one row per run, appended to `results.csv` and `results.jsonl` as soon as
//! the run finishes; a Markdown summary (mean ± sd over seeds, with the noise-floor
//! row) on the terminal and in `summary.md` / `summary.json`.

use crate::BenchError;
use crate::plots::{self, Axes, Series};
use crate::suite::Settings;
use sampo_metrics::noise_floor::NoiseFloor;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One finished run.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Target label.
    pub target: String,
    /// Sampler label.
    pub sampler: String,
    /// Sampler kind.
    pub kind: String,
    /// Gradient evaluations per output sample asked for.
    pub budget: u64,
    /// Seed.
    pub seed: u64,
    /// Output samples.
    pub n: usize,
    /// Target evaluations spent (density + gradient).
    pub evaluations: u64,
    /// Evaluations per output sample.
    pub evals_per_sample: f64,
    /// Wall-clock seconds of sampling.
    pub wall_s: f64,
    /// Metric values (`None`: not applicable).
    pub metrics: Vec<(String, Option<f64>)>,
    /// Where the samples were written (empty if the run failed).
    pub samples: PathBuf,
    /// "ok", or why the run produced no samples (e.g. a divergence, with step and chain).
    pub status: String,
}

/// File-system-safe version of a label.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Appends rows to the result files as they come.
pub struct Sink {
    csv: std::fs::File,
    jsonl: std::fs::File,
    csv_path: PathBuf,
    header_written: bool,
    rows: Vec<Row>,
}

impl Sink {
    /// Creates (truncates) `results.csv` and `results.jsonl` in `dir`.
    pub fn create(dir: &Path) -> Result<Self, BenchError> {
        let open = |name: &str| {
            let p = dir.join(name);
            std::fs::File::create(&p).map_err(|source| BenchError::Io { path: p, source })
        };
        Ok(Sink {
            csv: open("results.csv")?,
            jsonl: open("results.jsonl")?,
            csv_path: dir.join("results.csv"),
            header_written: false,
            rows: Vec::new(),
        })
    }

    /// Appends one row to both files (flushed at once).
    pub fn push(&mut self, row: &Row) -> Result<(), BenchError> {
        let io = |source| BenchError::Io {
            path: self.csv_path.clone(),
            source,
        };
        let mut line = String::new();
        if !self.header_written {
            let mut h =
                "target,sampler,kind,budget,seed,n,evaluations,evals_per_sample,wall_s".to_string();
            for (m, _) in &row.metrics {
                h.push(',');
                h.push_str(m);
            }
            writeln!(line, "{h},samples,status").expect("write to String");
            self.header_written = true;
        }
        write!(
            line,
            "{},{},{},{},{},{},{},{},{}",
            row.target,
            row.sampler,
            row.kind,
            row.budget,
            row.seed,
            row.n,
            row.evaluations,
            row.evals_per_sample,
            row.wall_s
        )
        .expect("write to String");
        for (_, v) in &row.metrics {
            match v {
                Some(v) => write!(line, ",{v:?}").expect("write to String"),
                None => line.push(','),
            }
        }
        // The status may contain commas: quote it.
        writeln!(
            line,
            ",{},\"{}\"",
            row.samples.display(),
            row.status.replace('"', "'")
        )
        .expect("write to String");
        self.csv.write_all(line.as_bytes()).map_err(io)?;
        let json = serde_json::to_string(&row_json(row)).expect("plain data");
        writeln!(self.jsonl, "{json}").map_err(io)?;
        self.csv.flush().map_err(io)?;
        self.jsonl.flush().map_err(io)?;
        self.rows.push(row.clone());
        Ok(())
    }

    /// Rows so far.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
}

fn row_json(r: &Row) -> serde_json::Value {
    let metrics: serde_json::Map<String, serde_json::Value> = r
        .metrics
        .iter()
        .map(|(m, v)| (m.clone(), v.map_or(serde_json::Value::Null, |v| v.into())))
        .collect();
    serde_json::json!({
        "target": r.target, "sampler": r.sampler, "kind": r.kind, "budget": r.budget,
        "seed": r.seed, "n": r.n, "evaluations": r.evaluations,
        "evals_per_sample": r.evals_per_sample, "wall_s": r.wall_s, "metrics": metrics,
        "samples": r.samples, "status": r.status,
    })
}

/// Mean and sample sd (0 for a single value).
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (m, sd)
}

fn fmt_sig(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

type Floors = [(String, Vec<(String, NoiseFloor)>)];

/// The Markdown summary: one row per (target, sampler, budget) with mean ± sd over
/// seeds, and one "exact (noise floor)" row per target.
pub fn summary(rows: &[Row], floors: &Floors, s: &Settings) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "## {}: n = {}, seeds {:?}, budgets {:?} gradient evaluations per sample\n",
        s.name, s.n, s.seeds, s.budgets
    )
    .expect("write to String");
    writeln!(
        out,
        "W2 is exact (network simplex / assignment, squared-Euclidean cost, sqrt); \
         reference: fresh exact samples of the same size; mean ± sd over seeds.\n"
    )
    .expect("write to String");
    let mut header = "| target | sampler | budget | evals/sample | wall s |".to_string();
    let mut rule = "|---|---|---|---|---|".to_string();
    for m in &s.metrics {
        header.push_str(&format!(" {m} |"));
        rule.push_str("---|");
    }
    writeln!(out, "{header}\n{rule}").expect("write to String");
    let mut keys: Vec<(String, String, u64)> = Vec::new();
    for r in rows {
        let k = (r.target.clone(), r.sampler.clone(), r.budget);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut last_target = String::new();
    for (t, sm, b) in &keys {
        if *t != last_target {
            if let Some((_, fl)) = floors.iter().find(|(ft, _)| ft == t) {
                let mut line = format!("| {t} | exact (noise floor) | – | – | – |");
                for m in &s.metrics {
                    match fl.iter().find(|(fm, _)| fm == m) {
                        Some((_, f)) => {
                            line.push_str(&format!(" {} ± {} |", fmt_sig(f.mean), fmt_sig(f.sd)))
                        }
                        None => line.push_str(" – |"),
                    }
                }
                writeln!(out, "{line}").expect("write to String");
            }
            last_target = t.clone();
        }
        let all: Vec<&Row> = rows
            .iter()
            .filter(|r| &r.target == t && &r.sampler == sm && r.budget == *b)
            .collect();
        let sel: Vec<&Row> = all.iter().copied().filter(|r| r.status == "ok").collect();
        if sel.is_empty() {
            let mut line = format!("| {t} | {sm} | {b} | – | – |");
            for _ in &s.metrics {
                line.push_str(" failed |");
            }
            writeln!(out, "{line}").expect("write to String");
            continue;
        }
        let failed = all.len() - sel.len();
        let sm = &if failed > 0 {
            format!("{sm} ({failed}/{} runs failed)", all.len())
        } else {
            sm.clone()
        };
        let eps = mean_sd(&sel.iter().map(|r| r.evals_per_sample).collect::<Vec<_>>()).0;
        let wall = mean_sd(&sel.iter().map(|r| r.wall_s).collect::<Vec<_>>()).0;
        let mut line = format!("| {t} | {sm} | {b} | {eps:.0} | {wall:.2} |");
        for (i, _) in s.metrics.iter().enumerate() {
            let vals: Vec<f64> = sel.iter().filter_map(|r| r.metrics[i].1).collect();
            if vals.is_empty() {
                line.push_str(" n/a |");
            } else {
                let (m, sd) = mean_sd(&vals);
                line.push_str(&format!(" {} ± {} |", fmt_sig(m), fmt_sig(sd)));
            }
        }
        writeln!(out, "{line}").expect("write to String");
    }
    out
}

/// Writes `summary.md` and `summary.json` (rows and noise floors).
pub fn write_summary(
    dir: &Path,
    table: &str,
    rows: &[Row],
    floors: &Floors,
) -> Result<(), BenchError> {
    let io = |p: PathBuf| move |source| BenchError::Io { path: p, source };
    std::fs::write(dir.join("summary.md"), table).map_err(io(dir.join("summary.md")))?;
    let fl: Vec<serde_json::Value> = floors
        .iter()
        .flat_map(|(t, fs)| {
            fs.iter().map(move |(m, f)| {
                serde_json::json!({"target": t, "metric": m, "mean": f.mean, "sd": f.sd,
                    "repeats": f.repeats, "n": f.n})
            })
        })
        .collect();
    let json = serde_json::json!({
        "rows": rows.iter().map(row_json).collect::<Vec<_>>(),
        "noise_floors": fl,
    });
    let p = dir.join("summary.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&json).expect("plain data")).map_err(io(p.clone()))
}

/// Every metric vs budget for one target (mean ± sd over seeds per sampler), with the
/// noise floor as a flat line.
pub fn plot_vs_budget(
    dir: &Path,
    target: &str,
    rows: &[Row],
    metrics: &[String],
    floor: Option<&[(String, NoiseFloor)]>,
) -> Result<(), BenchError> {
    for (i, m) in metrics.iter().enumerate() {
        let mut series = Vec::new();
        let mut samplers: Vec<&String> = Vec::new();
        for r in rows.iter().filter(|r| r.target == target) {
            if !samplers.contains(&&r.sampler) {
                samplers.push(&r.sampler);
            }
        }
        let mut budgets: Vec<u64> = rows
            .iter()
            .filter(|r| r.target == target)
            .map(|r| r.budget)
            .collect();
        budgets.sort_unstable();
        budgets.dedup();
        for (k, sm) in samplers.into_iter().enumerate() {
            let (mut pts, mut err) = (Vec::new(), Vec::new());
            for &b in &budgets {
                let v: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.target == target && &r.sampler == sm && r.budget == b)
                    .filter(|r| r.status == "ok")
                    .filter_map(|r| r.metrics[i].1)
                    .collect();
                if !v.is_empty() {
                    let (mu, sd) = mean_sd(&v);
                    pts.push((b as f64, mu));
                    err.push(sd);
                }
            }
            if !pts.is_empty() {
                series.push(Series {
                    label: sm.clone(),
                    points: pts,
                    err,
                    markers: true,
                    color: k,
                });
            }
        }
        if series.is_empty() {
            continue;
        }
        if let Some((_, f)) = floor.and_then(|fl| fl.iter().find(|(fm, _)| fm == m)) {
            let (lo, hi) = (
                budgets[0] as f64,
                *budgets.last().expect("non-empty") as f64,
            );
            series.push(Series {
                label: "noise floor (exact vs exact)".into(),
                points: vec![(lo, f.mean), (hi, f.mean)],
                err: vec![],
                markers: false,
                color: plots::PALETTE.len() - 1,
            });
        }
        plots::lines(
            &dir.join("plots")
                .join(format!("{}-{}-vs-budget", slug(target), slug(m))),
            &Axes {
                title: &format!("{target}: {m} vs gradient evaluations per sample"),
                x_label: "gradient evaluations per sample",
                y_label: m,
                log_x: true,
            },
            &series,
        )?;
    }
    Ok(())
}
