//! Progress bars and Ctrl-C.
//!
//! The first Ctrl-C raises a flag: the run in progress stops at its next segment
//! boundary (a [`sampo_core::StopFlag`] observer), the harness keeps every finished
//! result on disk and exits non-zero. A second Ctrl-C exits at once.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The process-wide stop flag, installed once.
pub fn stop_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        // If a handler cannot be installed (already set by an embedding program),
        // Ctrl-C keeps its default behaviour.
        let _ = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping after the current segment (Ctrl-C again to quit now)");
        });
        flag
    })
    .clone()
}

/// Whether a stop was requested.
pub fn stopped() -> bool {
    stop_flag().load(Ordering::Relaxed)
}

/// A bar over `len` cases (hidden when stderr is not a terminal, as in CI).
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed} {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}
