//! What a path resolves to: the mounts, and the rules on what they hand out. The rules apply to
//! the path asked for and again to where it leads (a symlink may name a dotfile or leave the
//! folder); the file is then opened beneath its folder by that resolved path with no symlink
//! followed (`openat2`, `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), so a folder swapped for a
//! symlink between the check and the open is refused, not followed out; and only regular
//! files are opened, without waiting (a FIFO would block `open`). (tower-http's `ServeDir`
//! follows any symlink, out of its folder too: its PR #658 is open; so the app's files are
//! served this way as well.)

use std::collections::HashMap;
use std::fs::File;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

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
    /// Pages of other origins may fetch from it (the data set), so every answer under it says
    /// `Access-Control-Allow-Origin: *`; the app itself does not.
    pub shared: bool,
    pub names: Names,
}

/// Where a found file's bytes are.
#[derive(Debug)]
pub enum Source {
    File(File),
    /// `files[name]`.
    Memory(Arc<HashMap<String, Vec<u8>>>, String),
}

/// A resolved path: its bytes, their type, what identifies this version of them, and whether
/// other origins may read them.
#[derive(Debug)]
pub struct Found {
    pub source: Source,
    pub len: u64,
    /// A file's modification time (files in memory do not change while served).
    pub modified: Option<SystemTime>,
    pub content_type: &'static str,
    pub shared: bool,
}

impl Site {
    /// The mount `path` falls under, and the rest of the path in it (`index.html` for a
    /// folder).
    fn mount_of(&self, path: &str) -> Option<(&Mount, String)> {
        // A mount's own path without its slash redirects nowhere: treat it as its index.
        let slashed = format!("{path}/");
        let path = match self.mounts.iter().any(|m| m.prefix == slashed) {
            true => slashed.as_str(),
            false => path,
        };
        let mount = self.mounts.iter().find(|m| path.starts_with(&m.prefix))?;
        let mut rest = path[mount.prefix.len()..].to_string();
        if rest.is_empty() || rest.ends_with('/') {
            rest.push_str("index.html");
        }
        Some((mount, rest))
    }

    /// Whether `path` falls under a mount that other origins may read (its every answer,
    /// a `404` too, says so).
    pub fn shared(&self, path: &str) -> bool {
        self.mount_of(path).is_some_and(|(mount, _)| mount.shared)
    }

    /// What `path` (percent-decoded) resolves to, if any mount has it.
    pub fn lookup(&self, path: &str) -> Option<Found> {
        let (mount, rest) = self.mount_of(path)?;
        if !allowed(Path::new(&rest), mount.names) {
            return None;
        }
        let (source, len, modified) = match &mount.content {
            Content::Files(files) => {
                let len = files.get(&rest)?.len() as u64;
                (Source::Memory(files.clone(), rest.clone()), len, None)
            }
            Content::Dir(dir) => {
                let file = open_inside(dir, &rest, mount.names)?;
                let meta = file.metadata().ok()?;
                (Source::File(file), meta.len(), meta.modified().ok())
            }
        };
        Some(Found {
            source,
            len,
            modified,
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

/// The regular file `rest` leads to inside `dir`, opened; `None` when it leads outside `dir`,
/// to a name the mount does not hand out, or to anything but a regular file.
fn open_inside(dir: &Path, rest: &str, names: Names) -> Option<File> {
    let root = dir.canonicalize().ok()?;
    let path = root.join(rest).canonicalize().ok()?;
    // Where symlinks lead, judged as the name asked for was.
    let resolved = path.strip_prefix(&root).ok()?;
    if !allowed(resolved, names) {
        return None;
    }
    let file = open_beneath(&root, resolved).ok()?;
    // What was opened is judged, not what the name was when checked.
    file.metadata().ok()?.is_file().then_some(file)
}

/// Opens `resolved` (a path without symlinks, as judged) beneath `root`, following no
/// symlink: a component swapped for one since it was judged makes the open fail. Without
/// waiting on a FIFO (`O_NONBLOCK`, which reads of a regular file ignore).
#[cfg(target_os = "linux")]
pub(crate) fn open_beneath(root: &Path, resolved: &Path) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags, ResolveFlags, openat2};
    let folder = rustix::fs::open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let opened = openat2(
        &folder,
        resolved,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    );
    match opened {
        Ok(file) => Ok(File::from(file)),
        // A kernel before 5.6.
        Err(rustix::io::Errno::NOSYS) => open_by_name(root, resolved),
        Err(error) => Err(error.into()),
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn open_beneath(root: &Path, resolved: &Path) -> std::io::Result<File> {
    open_by_name(root, resolved)
}

/// Without `openat2`: by name, its last component not followed; a folder on the way swapped
/// for a symlink since the check could still lead out.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn open_by_name(root: &Path, resolved: &Path) -> std::io::Result<File> {
    use rustix::fs::OFlags;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::NOFOLLOW).bits() as i32)
        .open(root.join(resolved))
}
