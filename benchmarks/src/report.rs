//! Results: one row per run, appended to `results.csv` and `results.jsonl` as soon as
//! the run finishes; a Markdown summary (mean ± sd over seeds, with the noise-floor
//! row) on the terminal and in `summary.md` / `summary.json`.
//!
//! Every row reports its cost in each unit separately (density, gradient and
//! data-term evaluations, wall time), never one sum, and its cost per sample in the
//! budget's unit; a row whose cost differs from its budget by more than 10 % carries
//! the reason in `budget_note` and a † in the summary.

use crate::BenchError;
use crate::plots::{self, Axes, Series};
use crate::suite::Settings;
use sampo_metrics::noise_floor::NoiseFloor;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// MCMC diagnostics of a multi-chain run: per coordinate (ArviZ's `summary`:
/// mean, sd, MCSE of the mean, bulk and tail ESS, R̂), and the worst coordinate.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ChainDiagnostics {
    /// Largest rank-normalized split R̂ over coordinates.
    pub rhat_max: f64,
    /// Smallest bulk ESS over coordinates.
    pub ess_bulk_min: f64,
    /// Smallest tail ESS over coordinates.
    pub ess_tail_min: f64,
    /// Every coordinate's summary.
    pub coordinates: Vec<sampo_metrics::diagnostics::CoordinateSummary>,
}

/// One finished (or failed) run.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Target label.
    pub target: String,
    /// Sampler label.
    pub sampler: String,
    /// Sampler kind.
    pub kind: String,
    /// The budget per output sample asked for (`1000`, `density:50000`, `seconds:0.002`).
    pub budget: String,
    /// The evaluation budget the sampler was given, when it differs (a resolved
    /// wall-clock budget), else empty.
    pub resolved_budget: String,
    /// Seed.
    pub seed: u64,
    /// Output samples.
    pub n: usize,
    /// Density evaluations spent.
    pub density: u64,
    /// Gradient evaluations spent.
    pub gradient: u64,
    /// Data terms spent (finite-sum targets).
    pub data_terms: u64,
    /// Wall-clock seconds of sampling.
    pub wall_s: f64,
    /// Cost per sample in the budget's unit (seconds for a wall-clock budget).
    pub per_sample: f64,
    /// Why the cost differs from the budget by more than 10 % (empty if it does not).
    pub budget_note: String,
    /// Metric values (`None`: not applicable).
    pub metrics: Vec<(String, Option<f64>)>,
    /// R̂ and ESS of a multi-chain run.
    pub chain_diagnostics: Option<ChainDiagnostics>,
    /// Where the samples were written (empty if the run failed).
    pub samples: PathBuf,
    /// "ok", or why the run produced no samples (e.g. a divergence, with step and chain).
    pub status: String,
    /// The target's configuration (TOML), so a rerun knows what this row measured.
    pub target_config: String,
    /// The sampler's full canonical configuration (TOML).
    pub sampler_config: String,
    /// Chains start at N(0, init_scale² I).
    pub init_scale: f64,
    /// Chains per run (`None`: one per sample).
    pub chains: Option<usize>,
}

/// What identifies a run: rows with equal keys measured the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct RowKey {
    target: String,
    target_config: String,
    sampler: String,
    sampler_config: String,
    budget: String,
    seed: u64,
    n: usize,
    init_scale: u64,
    chains: Option<usize>,
}

impl Row {
    /// The row's identity (see [`RowKey`]).
    pub fn key(&self) -> RowKey {
        RowKey {
            target: self.target.clone(),
            target_config: self.target_config.clone(),
            sampler: self.sampler.clone(),
            sampler_config: self.sampler_config.clone(),
            budget: self.budget.clone(),
            seed: self.seed,
            n: self.n,
            init_scale: self.init_scale.to_bits(),
            chains: self.chains,
        }
    }

    /// The value of metric `name` (`None`: not measured or not applicable). Rows read
    /// back from `results.jsonl` hold their metrics in the file's (alphabetical)
    /// order, not the suite's: look them up by name, never by position.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(m, _)| m == name)
            .and_then(|(_, v)| *v)
    }

    /// A row read back from its `results.jsonl` line (`None` if it is not one).
    pub fn from_json(v: &serde_json::Value) -> Option<Row> {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let u = |k: &str| v.get(k).and_then(|x| x.as_u64());
        let f = |k: &str| v.get(k).and_then(|x| x.as_f64());
        let metrics = v
            .get("metrics")?
            .as_object()?
            .iter()
            .map(|(k, x)| (k.clone(), x.as_f64()))
            .collect();
        let chain_diagnostics = v
            .get("chain_diagnostics")
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        Some(Row {
            target: s("target")?,
            sampler: s("sampler")?,
            kind: s("kind")?,
            budget: s("budget")?,
            resolved_budget: s("resolved_budget").unwrap_or_default(),
            seed: u("seed")?,
            n: u("n")? as usize,
            density: u("density")?,
            gradient: u("gradient")?,
            data_terms: u("data_terms")?,
            wall_s: f("wall_s")?,
            per_sample: f("per_sample").unwrap_or(f64::NAN),
            budget_note: s("budget_note").unwrap_or_default(),
            metrics,
            chain_diagnostics,
            samples: PathBuf::from(s("samples").unwrap_or_default()),
            status: s("status")?,
            target_config: s("target_config")?,
            sampler_config: s("sampler_config")?,
            init_scale: f("init_scale")?,
            chains: v.get("chains").and_then(|c| c.as_u64()).map(|c| c as usize),
        })
    }
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

/// A CSV field, quoted when it holds a comma, a quote or a newline.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Appends rows to the result files as they come.
pub struct Sink {
    csv: std::fs::File,
    jsonl: std::fs::File,
    csv_path: PathBuf,
    header_written: bool,
    rows: Vec<Row>,
}

/// The CSV header of rows with these metrics.
fn csv_header(metrics: &[(String, Option<f64>)]) -> String {
    let mut h = "target,sampler,kind,budget,resolved_budget,seed,n,density_evals,gradient_evals,data_terms,wall_s,per_sample,budget_note".to_string();
    for (m, _) in metrics {
        h.push(',');
        h.push_str(m);
    }
    h.push_str(",rhat_max,ess_bulk_min,ess_tail_min,samples,status");
    h
}

impl Sink {
    /// Opens `results.csv` and `results.jsonl` in `dir` for appending. Unless
    /// `fresh`, the rows already there are returned (a rerun skips the runs they
    /// record); files written with other metrics are refused rather than mixed.
    /// With `fresh`, both files start empty.
    pub fn open(
        dir: &Path,
        metrics: &[String],
        fresh: bool,
    ) -> Result<(Self, Vec<Row>), BenchError> {
        let csv_path = dir.join("results.csv");
        let jsonl_path = dir.join("results.jsonl");
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| BenchError::Io { path: p, source }
        };
        let header = csv_header(
            &metrics
                .iter()
                .map(|m| (m.clone(), None))
                .collect::<Vec<_>>(),
        );
        let mut previous = Vec::new();
        let mut header_written = false;
        if !fresh && csv_path.exists() {
            let text = std::fs::read_to_string(&csv_path).map_err(io(&csv_path))?;
            if let Some(first) = text.lines().next() {
                if first != header {
                    return Err(BenchError::Usage(format!(
                        "{} was written by a run with other metrics or an older format \
                         (header `{first}`); rerun with --fresh to start over, or give another --out",
                        csv_path.display()
                    )));
                }
                header_written = true;
            }
        }
        if !fresh && jsonl_path.exists() {
            let text = std::fs::read_to_string(&jsonl_path).map_err(io(&jsonl_path))?;
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let row = serde_json::from_str(line)
                    .ok()
                    .and_then(|v| Row::from_json(&v))
                    .ok_or_else(|| BenchError::Data {
                        path: jsonl_path.clone(),
                        reason: format!(
                            "line {}: not a result row; rerun with --fresh to start over",
                            i + 1
                        ),
                    })?;
                previous.push(row);
            }
        }
        let open = |p: &Path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(!fresh)
                .write(true)
                .truncate(fresh)
                .open(p)
                .map_err(io(p))
        };
        Ok((
            Sink {
                csv: open(&csv_path)?,
                jsonl: open(&jsonl_path)?,
                csv_path,
                header_written,
                rows: Vec::new(),
            },
            previous,
        ))
    }

    /// Counts `row` (read back from an earlier run) in the summary without writing it.
    pub fn reuse(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Appends one row to both files (flushed at once).
    pub fn push(&mut self, row: &Row) -> Result<(), BenchError> {
        let io = |source| BenchError::Io {
            path: self.csv_path.clone(),
            source,
        };
        let mut line = String::new();
        if !self.header_written {
            writeln!(line, "{}", csv_header(&row.metrics)).expect("write to String");
            self.header_written = true;
        }
        write!(
            line,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&row.target),
            csv_field(&row.sampler),
            row.kind,
            row.budget,
            row.resolved_budget,
            row.seed,
            row.n,
            row.density,
            row.gradient,
            row.data_terms,
            row.wall_s,
            row.per_sample,
            csv_field(&row.budget_note),
        )
        .expect("write to String");
        for (_, v) in &row.metrics {
            match v {
                Some(v) => write!(line, ",{v:?}").expect("write to String"),
                None => line.push(','),
            }
        }
        match &row.chain_diagnostics {
            Some(c) => write!(
                line,
                ",{:?},{:?},{:?}",
                c.rhat_max, c.ess_bulk_min, c.ess_tail_min
            )
            .expect("write to String"),
            None => line.push_str(",,,"),
        }
        writeln!(
            line,
            ",{},{}",
            csv_field(&row.samples.display().to_string()),
            csv_field(&row.status)
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
    let mut v = serde_json::to_value(r).expect("plain data");
    v["metrics"] = metrics.into();
    v
}

/// Mean and sample sd (`None` for a single value: one seed has no spread).
pub fn mean_sd(v: &[f64]) -> (f64, Option<f64>) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let sd =
        (v.len() > 1).then(|| (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
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

/// `mean ± sd`, or the mean alone for one value.
fn fmt_mean_sd(m: f64, sd: Option<f64>) -> String {
    match sd {
        Some(sd) => format!("{} ± {}", fmt_sig(m), fmt_sig(sd)),
        None => fmt_sig(m),
    }
}

type Floors = [(String, Vec<(String, NoiseFloor)>)];

/// The Markdown summary: one row per (target, sampler, budget) with mean ± sd over
/// seeds, and one "exact (noise floor)" row per target.
pub fn summary(rows: &[Row], floors: &Floors, s: &Settings) -> String {
    let mut out = String::new();
    let budgets: Vec<String> = s.budgets.iter().map(|b| b.to_string()).collect();
    writeln!(
        out,
        "## {}: n = {}, seeds {:?}, budgets [{}] per sample (plain numbers are gradient evaluations)\n",
        s.name,
        s.n,
        s.seeds,
        budgets.join(", ")
    )
    .expect("write to String");
    writeln!(
        out,
        "W2 is exact (network simplex / assignment, squared-Euclidean cost, sqrt); \
         reference: fresh exact samples of the same size (for targets without an exact \
         sampler, draws with replacement from the target's `sampo-bench reference` set); \
         the noise floor is the metric between two such reference samples; mean ± sd over seeds. \
         Cost columns are per output sample, each unit separately.\n"
    )
    .expect("write to String");
    let show_terms = rows.iter().any(|r| r.data_terms > 0);
    let show_chains = rows.iter().any(|r| r.chain_diagnostics.is_some());
    let mut header = "| target | sampler | budget | grad/sample | dens/sample |".to_string();
    let mut rule = "|---|---|---|---|---|".to_string();
    if show_terms {
        header.push_str(" terms/sample |");
        rule.push_str("---|");
    }
    header.push_str(" wall s |");
    rule.push_str("---|");
    if show_chains {
        header.push_str(" R̂ max | ESS bulk min |");
        rule.push_str("---|---|");
    }
    for m in &s.metrics {
        header.push_str(&format!(" {m} |"));
        rule.push_str("---|");
    }
    writeln!(out, "{header}\n{rule}").expect("write to String");
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for r in rows {
        let k = (r.target.clone(), r.sampler.clone(), r.budget.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let blank_cost = 3 + usize::from(show_terms) + 2 * usize::from(show_chains);
    let mut notes: Vec<String> = Vec::new();
    let mut last_target = String::new();
    for (t, sm, b) in &keys {
        if *t != last_target {
            if let Some((_, fl)) = floors.iter().find(|(ft, _)| ft == t) {
                let mut line = format!("| {t} | exact (noise floor) | – |");
                line.push_str(&" – |".repeat(blank_cost));
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
            .filter(|r| &r.target == t && &r.sampler == sm && &r.budget == b)
            .collect();
        let sel: Vec<&Row> = all.iter().copied().filter(|r| r.status == "ok").collect();
        if sel.is_empty() {
            let why = all.first().map(|r| r.status.clone()).unwrap_or_default();
            notes.push(format!("{t} / {sm} / {b}: failed: {why}"));
            let mut line = format!("| {t} | {sm} | {b} |");
            line.push_str(&" – |".repeat(blank_cost));
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
        let off: Vec<&&Row> = sel.iter().filter(|r| !r.budget_note.is_empty()).collect();
        let b_cell = if off.is_empty() {
            b.clone()
        } else {
            notes.push(format!("† {t} / {sm} / {b}: {}", off[0].budget_note));
            format!("{b} †")
        };
        let per = |f: &dyn Fn(&Row) -> u64| {
            sel.iter().map(|r| f(r) as f64 / r.n as f64).sum::<f64>() / sel.len() as f64
        };
        let mut line = format!(
            "| {t} | {sm} | {b_cell} | {:.0} | {:.0} |",
            per(&|r| r.gradient),
            per(&|r| r.density)
        );
        if show_terms {
            line.push_str(&format!(" {:.0} |", per(&|r| r.data_terms)));
        }
        let wall = sel.iter().map(|r| r.wall_s).sum::<f64>() / sel.len() as f64;
        line.push_str(&format!(" {wall:.2} |"));
        if show_chains {
            let worst = |f: fn(&ChainDiagnostics) -> f64, max: bool| {
                let v: Vec<f64> = sel
                    .iter()
                    .filter_map(|r| r.chain_diagnostics.as_ref().map(f))
                    .collect();
                let w = v
                    .iter()
                    .copied()
                    .reduce(if max { f64::max } else { f64::min });
                w.map_or("–".to_string(), fmt_sig)
            };
            line.push_str(&format!(
                " {} | {} |",
                worst(|c| c.rhat_max, true),
                worst(|c| c.ess_bulk_min, false)
            ));
        }
        for m in &s.metrics {
            let vals: Vec<f64> = sel.iter().filter_map(|r| r.metric(m)).collect();
            if vals.is_empty() {
                line.push_str(" n/a |");
            } else {
                let (m, sd) = mean_sd(&vals);
                line.push_str(&format!(" {} |", fmt_mean_sd(m, sd)));
            }
        }
        writeln!(out, "{line}").expect("write to String");
    }
    if !notes.is_empty() {
        writeln!(out).expect("write to String");
        for n in notes {
            writeln!(out, "- {n}").expect("write to String");
        }
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
/// noise floor as a flat line. `budgets` are the suite's, in one unit (the axis).
pub fn plot_vs_budget(
    dir: &Path,
    target: &str,
    rows: &[Row],
    metrics: &[String],
    budgets: &[crate::budget::BudgetSpec],
    floor: Option<&[(String, NoiseFloor)]>,
) -> Result<(), BenchError> {
    let unit = budgets[0].unit_name();
    if budgets.iter().any(|b| b.unit_name() != unit) {
        // One axis cannot carry two units.
        return Ok(());
    }
    for m in metrics {
        let mut series = Vec::new();
        let mut samplers: Vec<&String> = Vec::new();
        for r in rows.iter().filter(|r| r.target == target) {
            if !samplers.contains(&&r.sampler) {
                samplers.push(&r.sampler);
            }
        }
        for (k, sm) in samplers.into_iter().enumerate() {
            let (mut pts, mut err) = (Vec::new(), Vec::new());
            for b in budgets {
                let label = b.to_string();
                let v: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.target == target && &r.sampler == sm && r.budget == label)
                    .filter(|r| r.status == "ok")
                    .filter_map(|r| r.metric(m))
                    .collect();
                if !v.is_empty() {
                    let (mu, sd) = mean_sd(&v);
                    pts.push((b.amount(), mu));
                    err.push(sd.unwrap_or(0.0));
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
            let amounts: Vec<f64> = budgets.iter().map(|b| b.amount()).collect();
            let lo = amounts.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = amounts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            series.push(Series {
                label: "noise floor (exact vs exact)".into(),
                points: vec![(lo, f.mean), (hi, f.mean)],
                err: vec![],
                markers: false,
                color: plots::PALETTE.len() - 1,
            });
        }
        let x_label = format!("{unit} per sample");
        plots::lines(
            &dir.join("plots")
                .join(format!("{}-{}-vs-budget", slug(target), slug(m))),
            &Axes {
                title: &format!("{target}: {m} vs {unit} per sample"),
                x_label: &x_label,
                y_label: m,
                log_x: true,
            },
            &series,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::BudgetSpec;

    fn row(sampler: &str, status: &str, note: &str, seed: u64, w2: f64) -> Row {
        Row {
            target: "t".into(),
            sampler: sampler.into(),
            kind: "k".into(),
            budget: "100".into(),
            resolved_budget: String::new(),
            seed,
            n: 10,
            density: 0,
            gradient: 1000,
            data_terms: 0,
            wall_s: 0.5,
            per_sample: 100.0,
            budget_note: note.into(),
            metrics: vec![("w2".into(), Some(w2))],
            chain_diagnostics: None,
            samples: PathBuf::new(),
            status: status.into(),
            target_config: String::new(),
            sampler_config: String::new(),
            init_scale: 1.0,
            chains: None,
        }
    }

    #[test]
    fn summary_rows_line_up_and_say_what_happened() {
        let s = Settings {
            name: "x".into(),
            n: 10,
            seeds: vec![1, 2],
            budgets: vec![BudgetSpec::Evals(sampo_core::plugin::Budget::gradient(100))],
            metrics: vec!["w2".into()],
            noise_floor_repeats: 2,
            init_scale: 1.0,
            chains: None,
        };
        let floor = NoiseFloor {
            mean: 0.1,
            sd: 0.01,
            repeats: 2,
            n: 10,
            seed: 0,
            values: vec![0.09, 0.11],
        };
        let rows = vec![
            row("a", "ok", "", 1, 0.5),
            row("a", "ok", "", 2, 0.7),
            row("b", "chain 3 diverged at step 9: x", "", 1, 0.0),
            row("c", "ok", "spent 200 gradient per sample", 1, 0.2),
        ];
        let table = summary(&rows, &[("t".into(), vec![("w2".into(), floor)])], &s);
        let lines: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
        let bars = lines[0].matches('|').count();
        for l in &lines {
            assert_eq!(l.matches('|').count(), bars, "misaligned: {l}\n{table}");
        }
        assert!(
            table.contains("| t | b | 100 | – | – | – | failed |"),
            "{table}"
        );
        assert!(table.contains("failed: chain 3 diverged"), "{table}");
        assert!(
            table.contains("100 †") && table.contains("spent 200"),
            "{table}"
        );
        // One seed: no spread to print.
        assert!(table.contains("| 0.2000 |"), "{table}");
        assert!(table.contains("0.6000 ± 0.1414"), "{table}");
    }

    #[test]
    fn rows_read_back_from_results_give_the_same_summary() {
        // A resumed suite reads its finished rows from results.jsonl, where the metrics
        // are an object (alphabetical keys), not the suite's order.
        let s = Settings {
            name: "x".into(),
            n: 10,
            seeds: vec![1],
            budgets: vec![BudgetSpec::Evals(sampo_core::plugin::Budget::gradient(100))],
            metrics: vec!["w2".into(), "mmd".into(), "ks-x0".into()],
            noise_floor_repeats: 2,
            init_scale: 1.0,
            chains: None,
        };
        let mut r = row("a", "ok", "", 1, 0.5);
        r.metrics = vec![
            ("w2".into(), Some(0.5)),
            ("mmd".into(), Some(0.02)),
            ("ks-x0".into(), None),
        ];
        let back = Row::from_json(&row_json(&r)).expect("a results line");
        assert_ne!(
            back.metrics, r.metrics,
            "the file's order differs (the case tested)"
        );
        let fresh = summary(std::slice::from_ref(&r), &[], &s);
        let resumed = summary(&[back], &[], &s);
        assert_eq!(fresh, resumed);
        assert!(fresh.contains("| 0.5000 | 0.0200 | n/a |"), "{fresh}");
    }
}
