//! Exploration: rdMC vs ULA/MALA mode weights on 2-D mixtures.
//! `cargo run --release -p sampo-rdmc --example rdmc_explore -- [config.toml]`
use sampo_core::{Counted, EvalSource, Particles, RunConfig, Runner};
use sampo_langevin::{Mala, MalaConfig, Ula, UlaConfig};
use sampo_rdmc::{Rdmc, RdmcConfig};
use sampo_targets::GaussianMixture;

fn tv(gmm: &GaussianMixture, p: &Particles) -> f64 {
    let k = gmm.n_components();
    let mut c = vec![0usize; k];
    for x in p.rows() {
        let j = (0..k)
            .min_by(|&a, &b| {
                let da: f64 = gmm
                    .mean(a)
                    .iter()
                    .zip(x)
                    .map(|(m, v)| (m - v).powi(2))
                    .sum();
                let db: f64 = gmm
                    .mean(b)
                    .iter()
                    .zip(x)
                    .map(|(m, v)| (m - v).powi(2))
                    .sum();
                da.total_cmp(&db)
            })
            .unwrap();
        c[j] += 1;
    }
    let n = p.len() as f64;
    if std::env::var("W").is_ok() {
        eprintln!(
            "   weights {:?}",
            c.iter().map(|&c| c as f64 / n).collect::<Vec<_>>()
        );
    }
    0.5 * c
        .iter()
        .zip(gmm.weights())
        .map(|(&c, w)| (c as f64 / n - w).abs())
        .sum::<f64>()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg: RdmcConfig = match args.get(1) {
        Some(p) if p != "default" => toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap(),
        Some(_) => RdmcConfig::default(),
        None => RdmcConfig::default(),
    };
    let baselines = args.get(2).is_some();
    let n = 2000;
    let nseeds: u64 = std::env::var("SEEDS")
        .map(|s| s.parse().unwrap())
        .unwrap_or(3);
    let rdmc = Rdmc::new(cfg).unwrap();
    let per = rdmc.evaluations_per_sample();
    println!(
        "evals/sample: density {} gradient {} total {}",
        per.density,
        per.gradient,
        per.total()
    );
    let mut targets = vec![];
    if std::env::var("NO8").is_err() {
        targets.push(("8gauss".to_string(), GaussianMixture::eight_gaussians()));
    }
    let rs: Vec<f64> = std::env::var("RS")
        .unwrap_or("11,21,26".into())
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    for r in rs {
        targets.push((
            format!("zodmc R={r}"),
            GaussianMixture::zodmc_gmm2d_radius(r).unwrap(),
        ));
    }
    let total = std::time::Instant::now();
    for (name, gmm) in &targets {
        let t = Counted::new(gmm.clone());
        let mut tvs = vec![];
        let mut wall = 0.0;
        let mut fb = 0;
        let mut evals = 0.0;
        let mut centre = vec![];
        for seed in 0..nseeds {
            let out = rdmc.sample_with(&t, Some(&t), n, seed).unwrap();
            tvs.push(tv(gmm, &out.run.samples));
            evals += out.run.evaluations.total() as f64 / n as f64 / nseeds as f64;
            let c0 = out
                .run
                .samples
                .rows()
                .filter(|x| gmm.nearest_component(x) == 0)
                .count();
            centre.push((c0 as f64 / n as f64 * 1000.0).round() / 1000.0);
            wall += out.run.wall_time_secs;
            fb += out.fallbacks;
        }
        let acc = if std::env::var("NOACC").is_ok() {
            vec![]
        } else {
            let out = rdmc.sample_with(&t, Some(&t), 200, 99).unwrap();
            // Steps where only importance sampling ran report no acceptance.
            out.run
                .diagnostics
                .acceptance_per_step
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<f64>>()
        };
        let acc_s = if acc.is_empty() {
            String::new()
        } else {
            format!(
                "acc first {:.2} mid {:.2} last {:.2}",
                acc[0],
                acc[acc.len() / 2],
                acc[acc.len() - 1]
            )
        };
        println!(
            "{name:>12}: rdmc TV {:?} mean {:.3} centre {centre:?} evals/sample {evals:.0} wall {:.2}s/run fallbacks {fb} {acc_s}",
            tvs.iter()
                .map(|v| (v * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>(),
            tvs.iter().sum::<f64>() / tvs.len() as f64,
            wall / nseeds as f64
        );
        if baselines {
            let budget = per.total();
            let steps = budget.min(20_000) - 1;
            let init = Particles::from_vec(n, 2, {
                let mut v = vec![0.0; 2 * n];
                let mut r = sampo_core::rng::stream(12345, 0);
                sampo_core::rng::fill_standard_normal(&mut r, &mut v);
                v
            })
            .unwrap();
            let rc = RunConfig::new(n, steps - 1, 1, 1);
            let ula = Ula::new(&t, UlaConfig::new(0.05)).unwrap();
            let c0 = t.counts();
            let r = Runner::new(&ula, rc.clone())
                .unwrap()
                .run(&init)
                .unwrap()
                .finished()
                .unwrap();
            let ev = t.counts().since(&c0).total() as f64 / n as f64;
            let mala = Mala::new(&t, MalaConfig::new(0.05)).unwrap();
            let r2 = Runner::new(&mala, rc)
                .unwrap()
                .run(&init)
                .unwrap()
                .finished()
                .unwrap();
            println!(
                "{:>12}  ULA TV {:.3} MALA TV {:.3} ({} evals/sample, {:.2}s, {:.2}s)",
                "",
                tv(gmm, &r.samples),
                tv(gmm, &r2.samples),
                ev,
                r.wall_time_secs,
                r2.wall_time_secs
            );
        }
    }
    println!("total {:.1}s", total.elapsed().as_secs_f64());
}
