//! Small file helpers shared by the data loaders and the report writers, so every I/O failure becomes the same
//! typed [`Error::Io`] naming the path.

use std::path::Path;

use crate::error::{Error, Result};

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.display().to_string(),
        source: std::sync::Arc::new(e),
    }
}

/// Writes `contents` to `path`, creating missing parent folders.
pub(crate) fn write_creating_dirs(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error(path))?;
    }
    std::fs::write(path, contents).map_err(io_error(path))
}

/// Reads a whole file as bytes.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(io_error(path))
}

/// Reads a whole file as UTF-8 text.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(io_error(path))
}
