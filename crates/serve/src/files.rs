//! What a path resolves to: the mounts, and the rules on what they hand out. The rules apply to
//! the path asked for and again to where it leads (a symlink may name a dotfile or leave the
//! folder), and only regular files are opened (a FIFO would block the thread in `open`).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use cifar_lab_data::batch_kind;

use super::Site;
use super::http::content_type;

/// Where the bytes of a mount come from.
#[derive(Debug, Clone)]
pub enum Content {
    Dir(PathBuf),
    /// Files by name (e.g. the batches read out of the archive).
    Files(Arc<HashMap<String, Vec<u8>>>),
}

/// Which of its files a mount hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Any file in its folder or sub-folders (the app).
    Any,
    /// The data set's own files at its top (`data_batch_1.bin` … `test_batch.bin`,
    /// `batches.meta.txt`): every page may read the data mount, so a folder given as data
    /// (a home folder, say) must not offer anything else in it.
    DataSet,
}

impl Names {
    fn allow(self, relative: &Path) -> bool {
        match self {
            Self::Any => true,
            Self::DataSet => {
                let mut parts = relative.components();
                match (parts.next(), parts.next()) {
                    (Some(Component::Normal(name)), None) => {
                        name.to_str().and_then(batch_kind).is_some()
                    }
                    _ => false,
                }
            }
        }
    }
}

/// `prefix` (starting and ending with `/`) is served from `content`.
#[derive(Debug, Clone)]
pub struct Mount {
    pub prefix: String,
    pub content: Content,
    /// Pages of other origins may fetch from it (the data set), so it says
    /// `Access-Control-Allow-Origin: *`; the app itself does not.
    pub shared: bool,
    pub names: Names,
}

/// What a path resolves to.
pub enum Body {
    File(File),
    Bytes(Arc<HashMap<String, Vec<u8>>>, String),
}

/// A resolved path: its bytes, their type, and whether other origins may read them.
pub struct Found {
    pub body: Body,
    pub len: u64,
    pub content_type: &'static str,
    pub shared: bool,
}

impl Site {
    /// What `path` resolves to, if any mount has it.
    pub fn lookup(&self, path: &str) -> Option<Found> {
        // A mount's own path without its slash redirects nowhere: treat it as its index.
        let path =
            if !path.ends_with('/') && self.mounts.iter().any(|m| m.prefix == format!("{path}/")) {
                format!("{path}/")
            } else {
                path.to_string()
            };
        let mount = self.mounts.iter().find(|m| path.starts_with(&m.prefix))?;
        let mut rest = path[mount.prefix.len()..].to_string();
        if rest.is_empty() || rest.ends_with('/') {
            rest.push_str("index.html");
        }
        if !allowed(Path::new(&rest), mount.names) {
            return None;
        }
        let (body, len) = match &mount.content {
            Content::Files(files) => {
                let len = files.get(&rest)?.len() as u64;
                (Body::Bytes(files.clone(), rest.clone()), len)
            }
            Content::Dir(dir) => {
                let (file, len) = open_inside(dir, &rest, mount.names)?;
                (Body::File(file), len)
            }
        };
        Some(Found {
            body,
            len,
            content_type: content_type(&rest),
            shared: mount.shared,
        })
    }
}

/// A path relative to a mount that it may hand out: plain names only (no `..`, no root, no
/// hidden dot names), and one of its `names`.
fn allowed(relative: &Path, names: Names) -> bool {
    let plain = relative.components().all(|c| match c {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    plain && names.allow(relative)
}

/// The regular file `rest` leads to inside `dir`, opened, and its length; `None` when it leads
/// outside `dir`, to a name the mount does not hand out, or to anything but a regular file.
fn open_inside(dir: &Path, rest: &str, names: Names) -> Option<(File, u64)> {
    let root = dir.canonicalize().ok()?;
    let path = root.join(rest).canonicalize().ok()?;
    // Where symlinks lead, judged as the name asked for was.
    let resolved = path.strip_prefix(&root).ok()?;
    if !allowed(resolved, names) {
        return None;
    }
    // What is opened is judged, should the name have been swapped since the check above.
    let file = cifar_lab_data::open_regular(&path).ok()?;
    let len = file.metadata().ok()?.len();
    Some((file, len))
}
