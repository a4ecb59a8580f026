//! The diffusion samplers on the 2-D benchmark mixtures: mode weights (total
//! variation against the true weights, nearest-component assignment), W2 of n = 2000
//! samples against exact draws (with the noise floor of two exact sets) and the
//! density evaluations spent.
//!
//! `cargo run --release -p sampo-ensemble --example mode_weights [-- ou seed=S n=N key=value ...]`
//! (`ou` switches to `ou-ensemble`; keys of `FollmerConfig` / `OuEnsembleConfig`,
//! e.g. `inner_samples=1000 pooling=mixture`).

use sampo_core::plugin::AnyTarget;
use sampo_core::{ExactSampler, Particles, Target};
use sampo_ensemble::{Diffusion, Follmer, FollmerConfig, OuEnsemble, OuEnsembleConfig};
use sampo_targets::GaussianMixture;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |k: &str| {
        args.iter().find_map(|a| {
            a.strip_prefix(&format!("{k}="))
                .and_then(|s| s.parse::<u64>().ok())
        })
    };
    let seed = get("seed").unwrap_or(7);
    let n = get("n").unwrap_or(2000) as usize;
    let ou = args.iter().any(|a| a == "ou");
    let overrides: String = args
        .iter()
        .filter(|a| !a.starts_with("seed=") && !a.starts_with("n=") && *a != "ou")
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if v.parse::<f64>().is_ok() => format!("{k} = {v}\n"),
            Some((k, v)) => format!("{k} = \"{v}\"\n"),
            None => String::new(),
        })
        .collect();
    let diffusion: Diffusion = if ou {
        let c: OuEnsembleConfig = toml::from_str(&overrides)?;
        OuEnsemble::new(c)?.diffusion().clone()
    } else {
        let c: FollmerConfig = toml::from_str(&overrides)?;
        Follmer::new(c)?.diffusion().clone()
    };
    for (name, m) in [
        ("8gauss", GaussianMixture::eight_gaussians()),
        ("zodmc", GaussianMixture::zodmc_gmm2d()),
        ("zodmc-r16", GaussianMixture::zodmc_gmm2d_radius(16.0)?),
        ("zodmc-r26", GaussianMixture::zodmc_gmm2d_radius(26.0)?),
    ] {
        let truth = m.weights().to_vec();
        let k = m.n_components();
        let exact = m.sample_exact_n(n, 99);
        let target = AnyTarget::Gradient(Box::new(m.clone()));
        let t0 = std::time::Instant::now();
        let run = diffusion.sample(&target, &Particles::zeros(n, m.dim()), seed)?;
        let secs = t0.elapsed().as_secs_f64();
        let mut counts = vec![0.0; k];
        for x in run.samples.rows() {
            counts[m.nearest_component(x)] += 1.0 / n as f64;
        }
        let tv: f64 = counts
            .iter()
            .zip(&truth)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 2.0;
        let w2 = sampo_metrics::ot::w2(&run.samples, &exact)?;
        let floor = sampo_metrics::ot::w2(&m.sample_exact_n(n, 5), &exact)?;
        let stat = |k: &str| run.diagnostics.stats.get(k).copied().unwrap_or(f64::NAN);
        println!(
            "{name:10} s = {:6.3}  TV {tv:.3}  W2 {w2:.3} (floor {floor:.3})  density/sample {}  ess {:.1}  fallbacks {}  {secs:.2}s",
            stat("reference_scale"),
            run.evaluations.density / n as u64,
            stat("mean_ess"),
            stat("fallbacks"),
        );
    }
    Ok(())
}
