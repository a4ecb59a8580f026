//! Trained flows on disk: a versioned JSON file holding the layers and parameters.
//!
//! ```json
//! { "format": "sampo-snf-flow", "version": 1, "flow": { "dim": 2, "layers": [...], "params": [...] } }
//! ```
//!
//! Floats are written with serde_json's `float_roundtrip`, so a loaded flow is bit
//! for bit the saved one. A file of another format or version, or whose flow has
//! another dimension than the target, is refused with a [`SnfError::FlowFile`]
//! naming the file and the reason.

use crate::error::SnfError;
use crate::flow::Snf;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field.
pub const FORMAT: &str = "sampo-snf-flow";
/// The `version` this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    format: String,
    version: u32,
    flow: Snf,
}

/// The header alone, read first so that a wrong version is named as such.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

impl Snf {
    /// Writes the flow to `path`.
    pub fn save(&self, path: &Path) -> Result<(), SnfError> {
        let file = FlowFile {
            format: FORMAT.into(),
            version: VERSION,
            flow: self.clone(),
        };
        let text = serde_json::to_string(&file).map_err(|e| SnfError::FlowFile {
            path: path.into(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(|e| SnfError::FlowFile {
            path: path.into(),
            reason: e.to_string(),
        })
    }

    /// Reads a flow written by [`Snf::save`]; `dim` is the target's dimension.
    pub fn load(path: &Path, dim: usize) -> Result<Snf, SnfError> {
        let flow = Snf::read(path)?;
        if flow.dim != dim {
            return Err(SnfError::FlowFile {
                path: path.into(),
                reason: format!("the flow has dimension {}, the target {dim}", flow.dim),
            });
        }
        Ok(flow)
    }

    /// Reads a flow written by [`Snf::save`], whatever its dimension.
    pub fn read(path: &Path) -> Result<Snf, SnfError> {
        let bad = |reason: String| SnfError::FlowFile {
            path: path.into(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let header: Header =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a flow file: {e}")))?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(bad(format!(
                "format {:?}, expected \"{FORMAT}\"",
                header.format.unwrap_or_default()
            )));
        }
        match header.version {
            Some(VERSION) => {}
            v => {
                return Err(bad(format!(
                    "version {}, but this build reads version {VERSION} only",
                    v.map_or("none".to_string(), |v| v.to_string())
                )));
            }
        }
        let file: FlowFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        Ok(file.flow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BlockConfig, FlowConfig};

    #[test]
    fn a_saved_flow_loads_bit_for_bit_and_other_versions_are_refused() {
        let dir = std::env::temp_dir().join(format!("sampo-snf-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("flow.json");
        let snf = Snf::build(2, &FlowConfig::default(), &BlockConfig::default(), 3);
        snf.save(&path).unwrap();
        assert_eq!(Snf::load(&path, 2).unwrap(), snf);
        let e = Snf::load(&path, 3).unwrap_err().to_string();
        assert!(e.contains("dimension 2"), "{e}");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"version\":1", "\"version\":2", 1)).unwrap();
        let e = Snf::load(&path, 2).unwrap_err().to_string();
        assert!(e.contains("version 2") && e.contains("flow.json"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
