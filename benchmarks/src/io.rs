//! Sample files: CSV with a header `x0,x1,…` (and a last column `log_w` for
//! weighted samples) and NumPy `.npy` (float64, C order; the log weights of a
//! weighted run go to `<stem>.log_w.npy` beside it), chosen by extension.
//!
//! Reading a CSV: a first line made only of numbers is data, not a header (a file
//! without a header loses no row); a column named `log_w` is read as log weights.

use crate::BenchError;
use sampo_core::Particles;
use std::io::Write;
use std::path::Path;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Writes `p` to `path` as `.npy` or (any other extension) CSV. Values are written
/// with Rust's shortest round-trip formatting, so a CSV reads back bit for bit.
pub fn write_samples(path: &Path, p: &Particles) -> Result<(), BenchError> {
    write_weighted(path, p, None)
}

/// Writes a run's samples and, for a weighted run, its log weights (a `log_w`
/// column, or `<stem>.log_w.npy`).
pub fn write_run(path: &Path, run: &sampo_core::Run) -> Result<(), BenchError> {
    write_weighted(path, &run.samples, run.log_weights.as_deref())
}

fn write_weighted(path: &Path, p: &Particles, log_w: Option<&[f64]>) -> Result<(), BenchError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    if is_npy(path) {
        atomic_write(path, &npy_bytes(p))?;
        if let Some(w) = log_w {
            let wp = path.with_extension("log_w.npy");
            let col = Particles::from_vec(w.len(), 1, w.to_vec()).expect("one column");
            atomic_write(&wp, &npy_bytes(&col))?;
        }
        Ok(())
    } else {
        atomic_write(path, &csv_bytes(p, log_w))
    }
}

/// Checks, before any work, that `path` can be written: creates its folder and a
/// probe file next to it (removed at once). The error names the path.
pub fn check_writable(path: &Path) -> Result<(), BenchError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    check_dir_writable(dir).map_err(|source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks that files can be created in folder `dir` (creating it if needed).
pub fn check_dir_writable(dir: &Path) -> Result<(), std::io::Error> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".sampo-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Writes to a temporary file and renames: a crash never leaves a half-written file.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), BenchError> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(io_err(path))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn csv_bytes(p: &Particles, log_w: Option<&[f64]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len() * (p.dim() + 1) * 20 + 64);
    let mut header: Vec<String> = (0..p.dim()).map(|j| format!("x{j}")).collect();
    if log_w.is_some() {
        header.push("log_w".into());
    }
    writeln!(out, "{}", header.join(",")).expect("write to Vec");
    for (i, r) in p.rows().enumerate() {
        let mut line: Vec<String> = r.iter().map(|v| format!("{v:?}")).collect();
        if let Some(w) = log_w {
            line.push(format!("{:?}", w[i]));
        }
        writeln!(out, "{}", line.join(",")).expect("write to Vec");
    }
    out
}

fn npy_bytes(p: &Particles) -> Vec<u8> {
    // NPY format 1.0: magic, version, little-endian u16 header length, an ASCII dict
    // padded with spaces and ended by '\n' so that the data starts 64-byte aligned.
    let dict = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
        p.len(),
        p.dim()
    );
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let mut out = Vec::with_capacity(unpadded + pad + 8 * p.as_slice().len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&((dict.len() + pad + 1) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    for v in p.as_slice() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Reads samples written by [`write_samples`] (or by NumPy / any CSV of numbers with
/// one optional header line); log weights, if the file has them, are dropped (see
/// [`read_weighted`]).
pub fn read_samples(path: &Path) -> Result<Particles, BenchError> {
    Ok(read_weighted(path)?.0)
}

/// Reads samples and their log weights (a CSV `log_w` column, or `<stem>.log_w.npy`
/// beside an `.npy` file). Errors name the file and the 1-based line and column.
pub fn read_weighted(path: &Path) -> Result<(Particles, Option<Vec<f64>>), BenchError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    let bad = |reason: String| BenchError::Data {
        path: path.to_path_buf(),
        reason,
    };
    if is_npy(path) {
        let p = parse_npy(&bytes).map_err(bad)?;
        let wp = path.with_extension("log_w.npy");
        let w = if wp.is_file() {
            let b = std::fs::read(&wp).map_err(io_err(&wp))?;
            let w = parse_npy(&b).map_err(|reason| BenchError::Data {
                path: wp.clone(),
                reason,
            })?;
            if w.len() != p.len() {
                return Err(BenchError::Data {
                    path: wp,
                    reason: format!("{} log weights for {} samples", w.len(), p.len()),
                });
            }
            Some(w.into_vec())
        } else {
            None
        };
        Ok((p, w))
    } else {
        let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        parse_csv(&text).map_err(bad)
    }
}

fn parse_csv(text: &str) -> Result<(Particles, Option<Vec<f64>>), String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let &(_, first) = lines.peek().ok_or("empty file")?;
    let d_all = first.split(',').count();
    // A first line of numbers is data: there is no header.
    let headerless = first.split(',').all(|f| f.trim().parse::<f64>().is_ok());
    let weight_col = if headerless {
        None
    } else {
        lines.next();
        first.split(',').position(|h| h.trim() == "log_w")
    };
    let d = d_all - usize::from(weight_col.is_some());
    let mut data = Vec::new();
    let mut w = weight_col.map(|_| Vec::new());
    let mut n = 0;
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != d_all {
            return Err(format!(
                "line {}: {} fields, {} has {d_all}",
                i + 1,
                fields.len(),
                if headerless {
                    "the first line"
                } else {
                    "the header"
                }
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            let v: f64 = f
                .trim()
                .parse()
                .map_err(|_| format!("line {}, column {}: `{f}` is not a number", i + 1, j + 1))?;
            if !v.is_finite() && Some(j) != weight_col {
                return Err(format!(
                    "line {}, column {}: `{f}` is not finite",
                    i + 1,
                    j + 1
                ));
            }
            match (&mut w, weight_col) {
                (Some(w), Some(c)) if c == j => w.push(v),
                _ => data.push(v),
            }
        }
        n += 1;
    }
    Ok((
        Particles::from_vec(n, d, data).map_err(|e| e.to_string())?,
        w,
    ))
}

fn parse_npy(b: &[u8]) -> Result<Particles, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not an .npy file (bad magic)".into());
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = std::str::from_utf8(b.get(start..start + hlen).ok_or("truncated header")?)
        .map_err(|_| "header is not ASCII")?;
    if !header.contains("'<f8'") {
        return Err(format!(
            "only little-endian float64 ('<f8') is supported: {header}"
        ));
    }
    if header.contains("'fortran_order': True") {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in header")?;
    let dims: Vec<usize> = shape
        .trim()
        .trim_start_matches('(')
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("bad shape `{shape}`"))
        })
        .collect::<Result<_, _>>()?;
    let (n, d) = match dims[..] {
        [n] => (n, 1),
        [n, d] => (n, d),
        _ => return Err(format!("expected a 1-D or 2-D array, shape ({shape})")),
    };
    let data = &b[start + hlen..];
    if data.len() != 8 * n * d {
        return Err(format!("{} data bytes for shape ({n}, {d})", data.len()));
    }
    let v = data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    Particles::from_vec(n, d, v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_npy_round_trip_bit_for_bit() {
        let p = Particles::from_rows(&[vec![0.1, -2.5e-300], vec![1.0 / 3.0, 7.0]]).unwrap();
        let dir = std::env::temp_dir().join(format!("sampo-io-{}", std::process::id()));
        for name in ["a.csv", "a.npy"] {
            let path = dir.join(name);
            write_samples(&path, &p).unwrap();
            assert_eq!(read_samples(&path).unwrap(), p, "{name}");
        }
        std::fs::write(dir.join("bad.csv"), "x0,x1\n1,2\n3\n").unwrap();
        let e = read_samples(&dir.join("bad.csv")).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("header has 2"), "{e}");
        std::fs::write(dir.join("bad2.csv"), "x0\nabc\n").unwrap();
        let e = read_samples(&dir.join("bad2.csv")).unwrap_err().to_string();
        assert!(
            e.contains("`abc`") && e.contains("bad2.csv") && e.contains("line 2"),
            "{e}"
        );
        std::fs::write(dir.join("nan.csv"), "x0,x1\n1,2\n3,NaN\n").unwrap();
        let e = read_samples(&dir.join("nan.csv")).unwrap_err().to_string();
        assert!(
            e.contains("nan.csv") && e.contains("line 3, column 2"),
            "{e}"
        );
        // A file without a header keeps its first row.
        std::fs::write(dir.join("nohead.csv"), "1,2\n3,4\n").unwrap();
        assert_eq!(read_samples(&dir.join("nohead.csv")).unwrap().len(), 2);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn weighted_runs_round_trip_with_their_log_weights() {
        let dir = std::env::temp_dir().join(format!("sampo-io-w-{}", std::process::id()));
        let p = Particles::from_rows(&[vec![0.5], vec![-1.5]]).unwrap();
        let w = vec![-0.25, -3.0];
        for name in ["w.csv", "w.npy"] {
            let path = dir.join(name);
            write_weighted(&path, &p, Some(&w)).unwrap();
            let (q, qw) = read_weighted(&path).unwrap();
            assert_eq!((q, qw), (p.clone(), Some(w.clone())), "{name}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn npy_header_is_64_byte_aligned() {
        let b = npy_bytes(&Particles::zeros(3, 2));
        assert_eq!((b.len() - 48) % 64, 0);
        assert_eq!(b[b.len() - 49], b'\n');
    }
}
