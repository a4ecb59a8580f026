//! Sample files: CSV with a header `x0,x1,…` and NumPy `.npy` (float64, C order),
//! chosen by extension.

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
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let bytes = if is_npy(path) {
        npy_bytes(p)
    } else {
        csv_bytes(p)
    };
    // Write to a temporary file and rename: a crash never leaves a half-written file.
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(io_err(path))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn csv_bytes(p: &Particles) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len() * p.dim() * 20 + 64);
    let header: Vec<String> = (0..p.dim()).map(|j| format!("x{j}")).collect();
    writeln!(out, "{}", header.join(",")).expect("write to Vec");
    for r in p.rows() {
        let line: Vec<String> = r.iter().map(|v| format!("{v:?}")).collect();
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
/// one header line).
pub fn read_samples(path: &Path) -> Result<Particles, BenchError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    let bad = |reason: String| BenchError::Data {
        path: path.to_path_buf(),
        reason,
    };
    if is_npy(path) {
        parse_npy(&bytes).map_err(bad)
    } else {
        let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        parse_csv(&text).map_err(bad)
    }
}

fn parse_csv(text: &str) -> Result<Particles, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("empty file")?;
    let d = header.split(',').count();
    let mut data = Vec::new();
    let mut n = 0;
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != d {
            return Err(format!(
                "line {}: {} fields, the header has {d}",
                i + 1,
                fields.len()
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            let v: f64 = f
                .trim()
                .parse()
                .map_err(|_| format!("line {}, column {}: `{f}` is not a number", i + 1, j + 1))?;
            data.push(v);
        }
        n += 1;
    }
    Particles::from_vec(n, d, data).map_err(|e| e.to_string())
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
        assert!(e.contains("`abc`"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn npy_header_is_64_byte_aligned() {
        let b = npy_bytes(&Particles::zeros(3, 2));
        assert_eq!((b.len() - 48) % 64, 0);
        assert_eq!(b[b.len() - 49], b'\n');
    }
}
