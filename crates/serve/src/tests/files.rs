//! What a mount may hand out: regular files only, judged by where a path leads (not only by
//! how it was asked for), and from the data mount only the data set's own files.

use std::os::unix::fs::symlink;
use std::process::Command;
use std::time::Instant;

use super::*;

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_is_never_opened_and_the_server_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    mkfifo(&dir.path().join("pipe.bin"));
    symlink("pipe.bin", dir.path().join("to-pipe.bin")).unwrap();
    // One slot: a request stuck on the FIFO would turn everyone else away.
    let address = site_on(dir.path(), 1, Duration::from_secs(5));
    for path in ["/pipe.bin", "/to-pipe.bin"] {
        let started = Instant::now();
        let answer = get(address, path);
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "{path} took {took:?}");
        let next = get(address, "/");
        assert!(next.starts_with("HTTP/1.1 200"), "after {path}: {next}");
    }
}

#[test]
fn rules_apply_to_where_a_symlink_leads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/config"), "[remote]").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "notes").unwrap();
    symlink(".env", dir.path().join("env.txt")).unwrap();
    symlink(".git/config", dir.path().join("config.txt")).unwrap();
    symlink(".git", dir.path().join("git")).unwrap();
    // In the data mount, a batch's name that leads to another file.
    symlink("notes.txt", dir.path().join("data_batch_2.bin")).unwrap();
    let site = Site::new()
        .mount("/", Content::Dir(dir.path().into()))
        .mount_data("/data/", Content::Dir(dir.path().into()));
    assert!(site.lookup("/notes.txt").is_some());
    for refused in [
        "/env.txt",
        "/config.txt",
        "/git/config",
        "/data/data_batch_2.bin",
    ] {
        assert!(site.lookup(refused).is_none(), "{refused}");
    }
}

#[test]
fn the_data_mount_serves_only_the_data_sets_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "data_batch_1.bin",
        "test_batch.bin",
        "batches.meta.txt",
        "secret.txt",
        "index.html",
    ] {
        std::fs::write(dir.path().join(name), name).unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/data_batch_1.bin"), "nested").unwrap();
    let in_memory = HashMap::from([
        ("data_batch_3.bin".to_string(), b"batch".to_vec()),
        ("notes.txt".to_string(), b"notes".to_vec()),
    ]);
    let site = Site::new()
        .mount_data("/data/", Content::Dir(dir.path().into()))
        .mount_data("/archive/", Content::Files(Arc::new(in_memory)));
    for served in [
        "/data/data_batch_1.bin",
        "/data/test_batch.bin",
        "/data/batches.meta.txt",
        "/archive/data_batch_3.bin",
    ] {
        let found = site
            .lookup(served)
            .unwrap_or_else(|| panic!("{served} refused"));
        assert!(found.shared, "{served}");
    }
    for refused in [
        "/data/secret.txt",
        "/data/",
        "/data/index.html",
        "/data/sub/data_batch_1.bin",
        "/archive/notes.txt",
    ] {
        assert!(site.lookup(refused).is_none(), "{refused}");
    }
}

/// Round three: a folder on the way to a file checked, then swapped for a symlink out of the
/// served folder before the file is opened (a race, 4 hits in 20 s by name): the open follows
/// no symlink, so it fails instead of serving the file outside.
#[test]
fn a_folder_swapped_for_a_symlink_after_the_check_is_not_followed() {
    let served = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::fs::create_dir(served.path().join("sub")).unwrap();
    std::fs::write(served.path().join("sub/secret.txt"), "public").unwrap();
    let root = served.path().canonicalize().unwrap();
    let checked = Path::new("sub/secret.txt");
    // As checked, then swapped.
    assert!(super::super::files::open_beneath(&root, checked).is_ok());
    std::fs::remove_dir_all(served.path().join("sub")).unwrap();
    symlink(outside.path(), served.path().join("sub")).unwrap();
    let opened = super::super::files::open_beneath(&root, checked);
    assert!(
        opened.is_err(),
        "followed the swapped folder out: {opened:?}"
    );
    // A symlink inside the folder is no way out either once judged.
    symlink("/etc", served.path().join("etc")).unwrap();
    assert!(super::super::files::open_beneath(&root, Path::new("etc/hostname")).is_err());
}
