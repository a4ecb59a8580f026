//! Sinkhorn divergence timings at the harness's settings, on point sets written
//! to disk so that `benchmarks/scripts/pot_sinkhorn.py` can time POT on
//! identical data (and interleave the two, see that script).
//!
//! ```text
//! cargo bench -p sampo-metrics --bench sinkhorn -- [--out DIR] [--n 2000]
//!     [--cases ring8-2d,gauss-2d] [--repeat 1] [--trace]
//! python3 benchmarks/scripts/pot_sinkhorn.py DIR
//! ```
//!
//! Settings are the harness's (`sampo-bench compare --metrics sinkhorn`):
//! ε = 1e-2 × the mean squared distance between a point of `a` and a point of
//! `b`, |mean_a − mean_b|² + tr Cov_a + tr Cov_b; `max_iter` 2000; L1 marginal
//! tolerance 1e-4. Cases (a and b independent samples of one law):
//! `ring8-2d` (8 equal Gaussians, std √0.7, means on a circle of radius 10) and
//! `gauss-2d` (standard normal). For each case it writes `DIR/<case>-<n>-a.csv`,
//! `-b.csv` (one point per line) and `DIR/<case>-<n>-eps.txt`, and appends one
//! row per timed call to `DIR/sampo-times.csv`
//! (`case,n,d,epsilon,divergence,ot_ab,ot_aa,ot_bb,iterations,converged,marginal_error,threads,seconds`;
//! `RAYON_NUM_THREADS=1` for a single-threaded timing).
//! `--trace` prints every iteration's progress report (problem, iteration, ε,
//! marginal error) to stderr, and a per-stage summary to stdout: where the
//! iterations go.
//!
//! Not a criterion bench: one call at n = 2000 takes about a second, and the
//! comparison with POT needs the two interleaved on a shared machine.

use sampo_core::Particles;
use sampo_metrics::sinkhorn::{self, SinkhornConfig, SinkhornProgress};
use std::io::Write;
use std::time::{Duration, Instant};

/// splitmix64 → uniform [0, 1) and Box–Muller normals: portable and seedable,
/// so the data do not depend on the `rand` version (as in the w2 bench).
struct Gen(u64);
impl Gen {
    fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// 8 equal Gaussians (std √0.7) with means on a circle of radius 10.
fn ring8(n: usize, seed: u64) -> Particles {
    let mut g = Gen(seed);
    let s = 0.7f64.sqrt();
    let mut v = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let th = 2.0 * std::f64::consts::PI * (g.u64() % 8) as f64 / 8.0;
        v.push(10.0 * th.cos() + s * g.normal());
        v.push(10.0 * th.sin() + s * g.normal());
    }
    Particles::from_vec(n, 2, v).unwrap()
}

/// 40 equal modes, means uniform on [−40, 40]², std 1.3 (as in the w2 bench).
fn gmm40(n: usize, seed: u64) -> Particles {
    let mut means = Gen(12345);
    let mu: Vec<[f64; 2]> = (0..40)
        .map(|_| {
            [
                -40.0 + 80.0 * means.uniform(),
                -40.0 + 80.0 * means.uniform(),
            ]
        })
        .collect();
    let mut g = Gen(seed);
    let mut v = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let k = (g.u64() % 40) as usize;
        v.push(mu[k][0] + 1.3 * g.normal());
        v.push(mu[k][1] + 1.3 * g.normal());
    }
    Particles::from_vec(n, 2, v).unwrap()
}

fn gauss(n: usize, d: usize, seed: u64) -> Particles {
    let mut g = Gen(seed);
    Particles::from_vec(n, d, (0..n * d).map(|_| g.normal()).collect()).unwrap()
}

/// The harness's scale: |mean_a − mean_b|² + tr Cov_a + tr Cov_b.
fn mean_sq_distance(a: &Particles, b: &Particles) -> f64 {
    let (ma, mb) = (a.mean(), b.mean());
    let var = |p: &Particles| p.covariance().iter().step_by(p.dim() + 1).sum::<f64>();
    ma.iter()
        .zip(&mb)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        + var(a)
        + var(b)
}

fn write_csv(path: &std::path::Path, p: &Particles) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in p.rows() {
        let s: Vec<String> = r.iter().map(|x| format!("{x:.17e}")).collect();
        writeln!(f, "{}", s.join(",")).unwrap();
    }
}

/// Iterations per (problem, ε) from an every-iteration trace.
fn stage_summary(trace: &[SinkhornProgress]) {
    let mut rows: Vec<(&str, f64, usize, f64, f64)> = Vec::new(); // problem, ε, iters, last err, seconds
    let mut prev: Option<&SinkhornProgress> = None;
    for p in trace.iter().filter(|p| !p.finished) {
        let dt = prev.map_or(p.elapsed, |q| p.elapsed.saturating_sub(q.elapsed));
        match rows.last_mut() {
            Some(r) if r.0 == p.problem.name() && r.1 == p.epsilon => {
                r.2 += 1;
                r.3 = p.marginal_error;
                r.4 += dt.as_secs_f64();
            }
            _ => rows.push((
                p.problem.name(),
                p.epsilon,
                1,
                p.marginal_error,
                dt.as_secs_f64(),
            )),
        }
        prev = Some(p);
    }
    println!("  problem          eps  iters     last err   seconds");
    for r in rows {
        println!(
            "  {:>7} {:>12.5e} {:>6} {:>12.3e} {:>9.3}",
            r.0, r.1, r.2, r.3, r.4
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|k| args.get(k + 1).cloned())
    };
    let out =
        std::path::PathBuf::from(get("--out").unwrap_or_else(|| "target/sinkhorn-bench".into()));
    let n: usize = get("--n").map_or(2000, |s| s.parse().expect("--n"));
    let repeat: usize = get("--repeat").map_or(1, |s| s.parse().expect("--repeat"));
    let trace = args.iter().any(|a| a == "--trace");
    let cases: Vec<String> = get("--cases")
        .unwrap_or_else(|| "ring8-2d,gauss-2d".into())
        .split(',')
        .map(String::from)
        .collect();
    std::fs::create_dir_all(&out).unwrap();
    let times = out.join("sampo-times.csv");
    let fresh = !times.exists();
    let mut table = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&times)
        .unwrap();
    if fresh {
        writeln!(
            table,
            "case,n,d,epsilon,divergence,ot_ab,ot_aa,ot_bb,iterations,converged,marginal_error,threads,seconds"
        )
        .unwrap();
    }
    for case in &cases {
        let (a, b) = match case.as_str() {
            "ring8-2d" => (ring8(n, 1), ring8(n, 2)),
            "gauss-2d" => (gauss(n, 2, 3), gauss(n, 2, 4)),
            "gauss-10d" => (gauss(n, 10, 5), gauss(n, 10, 6)),
            "far-ring8-2d" => (gauss(n, 2, 13), ring8(n, 14)),
            "shift-2d" => {
                let mut b = gauss(n, 2, 16);
                b.as_mut_slice().iter_mut().for_each(|x| *x += 20.0);
                (gauss(n, 2, 15), b)
            }
            "gmm40-2d" => (gmm40(n, 1), gmm40(n, 2)),
            "unequal-2d" => (gauss(n, 2, 17), ring8(n / 2 + 1, 18)),
            other => panic!("unknown case {other}"),
        };
        write_csv(&out.join(format!("{case}-{n}-a.csv")), &a);
        write_csv(&out.join(format!("{case}-{n}-b.csv")), &b);
        let eps_scale: f64 = get("--eps-scale").map_or(1.0, |v| v.parse().unwrap());
        let cfg = SinkhornConfig {
            epsilon: get("--eps").map_or(1e-2 * eps_scale * mean_sq_distance(&a, &b), |v| {
                v.parse().unwrap()
            }),
            max_iter: 2000,
            tol: 1e-4,
        };
        std::fs::write(
            out.join(format!("{case}-{n}-eps.txt")),
            format!("{:.17e}\n", cfg.epsilon),
        )
        .unwrap();
        for _ in 0..repeat {
            let mut log = Vec::new();
            let mut cb = |p: SinkhornProgress| {
                if trace {
                    eprintln!(
                        "{} it {:>5} eps {:.4e} err {:.3e}{}",
                        p.problem.name(),
                        p.iteration,
                        p.epsilon,
                        p.marginal_error,
                        if p.finished { " (finished)" } else { "" }
                    );
                }
                log.push(p);
            };
            let every = if trace {
                Duration::ZERO
            } else {
                Duration::from_secs(3600)
            };
            let t = Instant::now();
            let r = sinkhorn::sinkhorn_divergence_with_progress_every(
                &a,
                &b,
                &cfg,
                every,
                Some(&mut cb),
            )
            .unwrap();
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{case} n={n} threads={} eps={:.4e}: S={:.10e} (ab {:.8e}, aa {:.4e}, bb {:.4e}) iters {} converged {} err {:.2e}: {secs:.3} s",
                rayon::current_num_threads(),
                cfg.epsilon,
                r.divergence,
                r.ot_ab,
                r.ot_aa,
                r.ot_bb,
                r.iterations,
                r.converged,
                r.marginal_error
            );
            for p in log.iter().filter(|p| p.finished) {
                println!(
                    "  {}: {} iterations, err {:.3e}, done at {:.3} s",
                    p.problem.name(),
                    p.iteration,
                    p.marginal_error,
                    p.elapsed.as_secs_f64()
                );
            }
            if trace {
                stage_summary(&log);
            }
            writeln!(
                table,
                "{case},{n},{},{:.17e},{:.17e},{:.17e},{:.17e},{:.17e},{},{},{:.6e},{},{secs:.6}",
                a.dim(),
                cfg.epsilon,
                r.divergence,
                r.ot_ab,
                r.ot_aa,
                r.ot_bb,
                r.iterations,
                r.converged,
                r.marginal_error,
                rayon::current_num_threads()
            )
            .unwrap();
        }
    }
}
