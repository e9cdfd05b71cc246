//! The files a training run leaves in its output folder.

use std::path::{Path, PathBuf};

use super::CliError;

pub struct RunDir(PathBuf);

impl RunDir {
    pub fn create(path: &Path) -> Result<Self, CliError> {
        std::fs::create_dir_all(path).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self(path.to_path_buf()))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, contents: &str) -> Result<(), CliError> {
        let path = self.path(name);
        std::fs::write(&path, contents).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}
