//! The command line as a new user meets it: every defect of the harness-reliability
//! issue has a test here that runs the `sampo-bench` binary.
//!
//! Tests that check "before any work" give the command work that would take minutes
//! (a budget of 10⁶ gradient evaluations per sample on the d = 100 mixture): if the
//! check came after the work, the test would not finish in CI's time.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sampo-bench"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sampo-cli-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn huge_requests_fail_with_n_d_and_bytes_not_an_abort() {
    let d = scratch("huge");
    for n in ["1000000000000", "1000000000"] {
        let o = bench(&[
            "sample",
            "--target",
            "8-gaussians",
            "--sampler",
            "ula",
            "--n",
            n,
            "--out",
            s(&d.join("x.csv")),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&format!("n = {n}")) && e.contains("d = 2") && e.contains("bytes"),
            "{e}"
        );
    }
}

#[test]
fn output_paths_are_checked_before_any_work() {
    let o = bench(&[
        "sample",
        "--target",
        "gmm100",
        "--sampler",
        "ula",
        "--budget",
        "1000000",
        "--out",
        "/proc/sampo-nope/x.csv",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("/proc/sampo-nope/x.csv"),
        "{}",
        stderr(&o)
    );
    let o = bench(&["figure", "rdmc-gmm", "--out", "/proc/sampo-nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/proc/sampo-nope"), "{}", stderr(&o));
}

#[test]
fn a_negative_seed_is_a_clear_error() {
    let o = bench(&[
        "sample",
        "--target",
        "8-gaussians",
        "--sampler",
        "ula",
        "--seed",
        "-1",
        "--out",
        "x.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("-1") && e.contains("--seed") && !e.contains("unexpected argument"),
        "{e}"
    );
}

#[test]
fn sample_spends_small_budgets_exactly_and_reports_its_kind() {
    let d = scratch("budget");
    let out = d.join("s.csv");
    let o = bench(&[
        "sample",
        "--target",
        "8-gaussians",
        "--sampler",
        "mala-adapt",
        "--n",
        "100",
        "--budget",
        "2",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(info["sampler"], "mala-adapt");
    assert_eq!(info["evaluations"]["gradient"], 200, "{info}");
    // --set overrides any field; a unit the sampler never spends is refused by name.
    let o = bench(&[
        "sample",
        "--target",
        "8-gaussians",
        "--sampler",
        "ula",
        "--n",
        "10",
        "--set",
        "step_size=0.01",
        "--budget",
        "density:100",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`density`"), "{}", stderr(&o));
}

#[test]
fn compare_inputs_fail_clearly() {
    let d = scratch("compare");
    let a = d.join("a.csv");
    std::fs::write(&a, "1.0,2.0\n3.0,4.0\n5.0,6.5\n").unwrap();
    let o = bench(&["compare", s(&a)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nothing to compare against"),
        "{}",
        stderr(&o)
    );
    // A file without a header keeps its first row.
    let o = bench(&["compare", s(&a), s(&a), "--metrics", "mean-err"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["n_a"], 3);
    // A NaN names the file and the 1-based line.
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "x0,x1\n1,2\nNaN,3\n").unwrap();
    let o = bench(&["compare", s(&bad), s(&a)]);
    let e = stderr(&o);
    assert!(e.contains("bad.csv") && e.contains("line 3"), "{e}");
}

#[test]
fn nan_in_a_target_file_is_named_with_its_line() {
    let d = scratch("nan");
    let t = d.join("t.toml");
    std::fs::write(
        &t,
        "[target]\nkind = \"gmm\"\nmeans = [[0.0, 0.0], [3.0, 0.0]]\nstds = [1.0, nan]\n",
    )
    .unwrap();
    let o = bench(&[
        "sample",
        "--target",
        s(&t),
        "--sampler",
        "ula",
        "--out",
        s(&d.join("x.csv")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("stds") && e.contains("line 4") && !e.contains("null"),
        "{e}"
    );
}

#[test]
fn eval_writes_log_density_and_gradient() {
    let d = scratch("eval");
    let pts = d.join("p.csv");
    std::fs::write(&pts, "x0,x1\n0.0,0.0\n1.0,-2.0\n").unwrap();
    let out = d.join("lp.csv");
    let o = bench(&[
        "eval",
        "--target",
        "gauss-2",
        "--points",
        s(&pts),
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "log_density,grad_x0,grad_x1");
    // N(0, I₂): log density −|x|²/2 − log 2π, gradient −x.
    let v: Vec<f64> = lines[2].split(',').map(|f| f.parse().unwrap()).collect();
    assert!(
        (v[0] - (-2.5 - (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12,
        "{v:?}"
    );
    assert_eq!((v[1], v[2]), (-1.0, 2.0));
}

#[test]
fn list_shows_every_sampler_with_what_it_needs() {
    let o = bench(&["list", "samplers"]);
    let t = stdout(&o);
    for k in ["ula", "mala", "mala-adapt", "underdamped", "rdmc"] {
        assert!(t.contains(k), "{t}");
    }
    assert!(t.contains("[needs: density, gradient]"), "{t}");
}

/// A two-seed suite on the 8 Gaussians: ULA at a sane step and at h = 2 (which
/// explodes without ever overflowing).
fn suite_text(out_name: &str, extra: &str) -> String {
    format!(
        "[suite]\nname = \"{out_name}\"\nn = 60\nseeds = [1, 2]\nbudgets = [30]\nmetrics = [\"w2\", \"mean-err\"]\nnoise_floor_repeats = 2\n\n\
         [[targets]]\npreset = \"8-gaussians\"\n\n\
         [[samplers]]\nname = \"ula\"\nkind = \"ula\"\nstep_size = 0.05\n\n\
         [[samplers]]\nname = \"ula-h2\"\nkind = \"ula\"\nstep_size = 2.0\n{extra}"
    )
}

fn results_rows(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("results.csv"))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

#[test]
fn exploded_runs_fail_and_reruns_resume_instead_of_truncating() {
    let d = scratch("suite");
    let suite = d.join("s.toml");
    std::fs::write(&suite, suite_text("s", "")).unwrap();
    let out = d.join("out");
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    // ULA at h = 2 ends with finite |x| ≈ 1e80: failed, with the reason.
    let ula_h2 = table.lines().find(|l| l.contains("| ula-h2 |")).unwrap();
    assert!(ula_h2.contains("failed"), "{table}");
    assert!(table.contains("exploded"), "{table}");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(csv.contains("exploded: "), "{csv}");
    // Not a terminal: one progress line per finished run.
    assert!(stderr(&o).contains("[4/4"), "{}", stderr(&o));
    assert_eq!(results_rows(&out), 4);

    // A rerun skips what is there and truncates nothing.
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("resumed: 4 of 4 runs"),
        "{}",
        stderr(&o)
    );
    assert_eq!(results_rows(&out), 4);
    assert!(stdout(&o).contains("| ula-h2 |"));
    // A changed config runs again; the old rows stay in the file.
    std::fs::write(
        &suite,
        suite_text("s", "").replace("step_size = 0.05", "step_size = 0.04"),
    )
    .unwrap();
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert!(stderr(&o).contains("resumed: 2 of 4"), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 earlier rows"), "{}", stderr(&o));
    assert_eq!(results_rows(&out), 6);
    // --fresh starts over explicitly.
    let o = bench(&["run", s(&suite), "--out", s(&out), "--fresh"]);
    assert!(o.status.success());
    assert_eq!(results_rows(&out), 4);
    // Other metrics in the same folder: refused, not mixed.
    std::fs::write(
        &suite,
        suite_text("s", "").replace("\"mean-err\"", "\"mmd\""),
    )
    .unwrap();
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--fresh"), "{}", stderr(&o));
    assert_eq!(results_rows(&out), 4);
}

#[test]
fn suites_are_checked_whole_before_anything_runs() {
    let d = scratch("check");
    let out = d.join("out");
    // Duplicate labels.
    let suite = d.join("dup.toml");
    std::fs::write(
        &suite,
        suite_text("dup", "").replace("name = \"ula-h2\"", "name = \"ula\""),
    )
    .unwrap();
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("used twice"), "{}", stderr(&o));
    // An invalid second target: found before the first target's runs.
    let suite = d.join("bad.toml");
    std::fs::write(
        &suite,
        suite_text("bad", "\n[[targets]]\nname = \"broken\"\nkind = \"gmm\"\nmeans = [[0.0, 0.0]]\nstds = [-1.0]\n"),
    )
    .unwrap();
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("bad.toml") && e.contains("targets[1]") && e.contains("stds"),
        "{e}"
    );
    assert!(!out.join("results.csv").exists(), "something ran");
}

#[test]
fn multi_chain_runs_report_rhat_ess_and_mcse_and_diagnose_agrees() {
    let d = scratch("chains");
    let suite = d.join("c.toml");
    std::fs::write(
        &suite,
        "[suite]\nname = \"c\"\nn = 400\nseeds = [1]\nbudgets = [100]\nmetrics = [\"mean-err\"]\nchains = 4\nnoise_floor_repeats = 2\n\n\
         [[targets]]\npreset = \"gauss-2\"\n\n[[samplers]]\nkind = \"mala-adapt\"\n",
    )
    .unwrap();
    let out = d.join("out");
    let o = bench(&["run", s(&suite), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("R̂ max | ESS bulk min"),
        "{}",
        stdout(&o)
    );
    let line = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let row: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let coords = row["chain_diagnostics"]["coordinates"].as_array().unwrap();
    assert_eq!(coords.len(), 2);
    for c in coords {
        for k in ["mean", "sd", "mcse_mean", "ess_bulk", "ess_tail", "rhat"] {
            assert!(c[k].as_f64().unwrap().is_finite(), "{k}: {c}");
        }
    }
    // `diagnose` on the written sample file gives the same numbers.
    let file = row["samples"].as_str().unwrap();
    let o = bench(&["diagnose", file, "--chains", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rhat = doc["coordinates"][0]["rhat"].as_f64().unwrap();
    assert_eq!(rhat, coords[0]["rhat"].as_f64().unwrap());
}

/// `reference` writes a converged set for a target without an exact sampler, a
/// suite reads it (physics metrics, zero-centre-of-mass samples in particle
/// coordinates), and refuses a set that is not converged, is for another target, or
/// has another format version.
#[test]
fn reference_sets_are_written_checked_and_used_by_suites() {
    let d = scratch("reference");
    // DW-4 at T = 4 mixes fast enough for a converged set in well under a second.
    let target = d.join("hot-dw4.toml");
    std::fs::write(&target, "[target]\nkind = \"dw4\"\ntemperature = 4.0\n").unwrap();
    let run_ref = |budget: &str, out: &Path| {
        bench(&[
            "reference",
            "--target",
            s(&target),
            "--chains",
            "4",
            "--draws",
            "250",
            "--budget",
            budget,
            "--init-scale",
            "2",
            "--out",
            s(out),
        ])
    };
    let good = d.join("ref-good");
    let o = run_ref("300", &good);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(meta["converged"], true);
    assert!(meta["rhat_max"].as_f64().unwrap() < 1.01);
    assert_eq!(meta["chains"], 4);
    assert!(meta["command"].as_str().unwrap().contains("--budget 300"));
    // Golden values (seed 0): a change of the chains' streams, the diagnostics or
    // the symmetrization shows here.
    let energy = meta["statistics"][0]["mean"].as_f64().unwrap();
    assert!((energy - -3.9958143884100594).abs() < 1e-12, "{energy}");
    let first = std::fs::read(good.join("samples.npy")).unwrap();
    let header = u16::from_le_bytes([first[8], first[9]]) as usize;
    let x0 = f64::from_le_bytes(first[10 + header..18 + header].try_into().unwrap());
    assert!((x0 - -0.4162967588358725).abs() < 1e-12, "{x0}");
    // A budget of 5 gradient evaluations per draw does not converge: exit 1, kept
    // on disk marked so.
    let bad = d.join("ref-bad");
    let o = run_ref("5", &bad);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not converged"), "{}", stderr(&o));
    assert!(bad.join("reference.json").exists());
    // Exact targets need no reference.
    let o = bench(&[
        "reference",
        "--target",
        "8-gaussians",
        "--out",
        s(&d.join("x")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exact sampler"), "{}", stderr(&o));

    let suite = |reference: &Path, kind_line: &str| {
        let p = d.join("suite.toml");
        std::fs::write(
            &p,
            format!(
                "[suite]\nname = \"phys\"\nn = 200\nseeds = [1]\nbudgets = [100]\n\
                 metrics = [\"energy-w2\", \"dist-tv\", \"dist-w2\", \"w2\"]\nnoise_floor_repeats = 2\ninit_scale = 2.0\n\
                 [[targets]]\nname = \"hot-dw4\"\n{kind_line}\nreference = \"{}\"\n\
                 [[samplers]]\nkind = \"mala-adapt\"\n",
                s(reference)
            ),
        )
        .unwrap();
        p
    };
    let dw4 = "kind = \"dw4\"\ntemperature = 4.0";
    let out = d.join("out");
    let o = bench(&["run", s(&suite(&good, dw4)), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let row: serde_json::Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert_eq!(row["status"], "ok", "{row}");
    for m in ["energy-w2", "dist-tv", "dist-w2", "w2"] {
        let v = row["metrics"][m].as_f64().unwrap_or(-1.0);
        assert!(v >= 0.0 && v.is_finite(), "{m}: {row}");
    }
    // Samples are reported in the 8 particle coordinates with zero centre of mass.
    let file = out.join("samples").join("hot-dw4");
    let csv = std::fs::read_dir(&file)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let body = std::fs::read_to_string(csv).unwrap();
    let mut lines = body.lines();
    assert_eq!(lines.next().unwrap().split(',').count(), 8);
    for l in lines {
        let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
        for c in 0..2 {
            let m: f64 = (0..4).map(|i| v[i * 2 + c]).sum::<f64>() / 4.0;
            assert!(m.abs() < 1e-9, "centre of mass {m} in {l}");
        }
    }
    // A rerun resumes; after the set is regenerated (another seed) the run is redone.
    let o = bench(&["run", s(&suite(&good, dw4)), "--out", s(&out)]);
    assert!(stderr(&o).contains("resumed: 1 of 1"), "{}", stderr(&o));
    let mut regen = bench(&[
        "reference",
        "--target",
        s(&target),
        "--chains",
        "4",
        "--draws",
        "250",
        "--budget",
        "300",
        "--init-scale",
        "2",
        "--seed",
        "5",
        "--out",
        s(&good),
    ]);
    assert_eq!(regen.status.code(), Some(0), "{}", stderr(&regen));
    regen = bench(&["run", s(&suite(&good, dw4)), "--out", s(&out)]);
    assert_eq!(regen.status.code(), Some(0), "{}", stderr(&regen));
    assert!(
        !stderr(&regen).contains("resumed: 1 of 1"),
        "{}",
        stderr(&regen)
    );
    // Refusals, before any run.
    for (reference, kind, want) in [
        (&bad, dw4, "not converged"),
        (&good, "preset = \"dw4\"", "made for the target config"),
    ] {
        let o = bench(&["run", s(&suite(reference, kind)), "--out", s(&d.join("no"))]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    let meta_path = good.join("reference.json");
    let text = std::fs::read_to_string(&meta_path).unwrap();
    std::fs::write(
        &meta_path,
        text.replace("\"format_version\": 1", "\"format_version\": 99"),
    )
    .unwrap();
    let o = bench(&["run", s(&suite(&good, dw4)), "--out", s(&d.join("no"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("format_version"), "{}", stderr(&o));
}

/// `eval` on a particle system takes the n·s particle coordinates (not the reduced
/// ones its samplers run in): DW-4's square of side 4 has E = −8.396642530754047.
#[test]
fn eval_of_dw4_is_on_particle_coordinates() {
    let d = scratch("eval-dw4");
    let pts = d.join("p.csv");
    std::fs::write(
        &pts,
        "x0,x1,x2,x3,x4,x5,x6,x7\n0,0,4,0,4,4,0,4\n1.5,1.5,5.5,1.5,5.5,5.5,1.5,5.5\n",
    )
    .unwrap();
    let out = d.join("o.csv");
    let o = bench(&[
        "eval",
        "--target",
        "dw4",
        "--points",
        s(&pts),
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap().split(',').count(), 9);
    for l in lines {
        let v: f64 = l.split(',').next().unwrap().parse().unwrap();
        assert!((v - 8.396642530754047).abs() < 1e-12, "{l}");
    }
}
