//! The fault matrix's rows that the host can show without device-mapper (the rest run in the
//! OpenZFS VM: `tests/zfsvm/scenarios/faults.sh`): a file target on a full filesystem, a loop
//! device whose backing file runs out of space, a source that shrinks mid-copy. Each row checks
//! what the user sees (operation, object, byte offset), that the source is unchanged, and that
//! once the fault is gone a rerun leaves a target identical to the source and no checkpoint.
//! Skipped with a visible message where tmpfs mounts or loop devices are unavailable (not root).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use volclone_core::copy::{self, CancelToken, CopyOptions, NoProgress};
use volclone_core::ErrorKind;

fn run(src: &Path, dst: &Path, opts: &CopyOptions) -> Result<copy::CopyReport, volclone_core::Error> {
    copy::copy(src, dst, opts, &NoProgress, &CancelToken::new())
}

fn remount(fs: &SmallFs, size: &str) {
    let st = Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(&fs.dir).status().unwrap();
    assert!(st.success(), "remount {} with size {size}", fs.dir.display());
}

/// The checkpoint directory holds nothing (of this test's copies).
fn no_checkpoint_left(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "checkpoints left in {}: {left:?}", dir.display());
}

#[test]
fn a_file_target_on_a_full_filesystem_then_space_freed() {
    let Some(fs) = SmallFs::mount("6m", "a_file_target_on_a_full_filesystem_then_space_freed") else { return };
    let d = tempfile::tempdir().unwrap();
    let (s, cps) = (d.path().join("s"), d.path().join("cps"));
    let size = make_image(&s, &[Piece::Data(12 * MIB), Piece::Hole(4 * MIB)], 71);
    let before = read_prefix(&s, size);
    let t = fs.dir.join("t");
    make_sparse(&t, size);
    let opts = CopyOptions::default().workers(1).checkpoint_dir(Some(cps.clone()));
    let e = run(&s, &t, &opts).unwrap_err();
    let msg = e.to_string();
    eprintln!("what the user sees: {msg}");
    assert_eq!(e.kind(), ErrorKind::Io, "{msg}");
    assert!(msg.contains("write target") && msg.contains(&t.display().to_string()) && msg.contains("at byte offset"), "{msg}");
    assert!(msg.contains("No space left on device"), "{msg}");
    assert!(read_prefix(&s, size) == before, "the source changed");
    remount(&fs, "32m");
    let r = run(&s, &t, &opts).unwrap();
    assert!(r.bytes_resumed > 0, "the rerun resumes from the checkpoint of the failed copy: {r:?}");
    assert_same_prefix(&s, &t, size);
    no_checkpoint_left(&cps);
}

#[test]
fn a_loop_target_whose_backing_file_runs_out_of_space() {
    let Some(fs) = SmallFs::mount("6m", "a_loop_target_whose_backing_file_runs_out_of_space") else { return };
    let d = tempfile::tempdir().unwrap();
    let (s, cps) = (d.path().join("s"), d.path().join("cps"));
    let size = make_image(&s, &[Piece::Data(12 * MIB), Piece::Zeros(4 * MIB)], 72);
    let before = read_prefix(&s, size);
    let backing = fs.dir.join("backing");
    make_sparse(&backing, size);
    let Some(lo) = Loop::attach(&backing, false, "a_loop_target_whose_backing_file_runs_out_of_space") else { return };
    let opts = CopyOptions::default().workers(1).checkpoint_dir(Some(cps.clone()));
    let e = run(&s, &lo.dev, &opts).unwrap_err();
    let msg = e.to_string();
    eprintln!("what the user sees: {msg}");
    assert_eq!(e.kind(), ErrorKind::Io, "{msg}");
    // The loop driver turns its backing file's ENOSPC into EIO or passes it on, by kernel version.
    assert!(msg.contains("write target") && msg.contains(&lo.dev.display().to_string()) && msg.contains("at byte offset"), "{msg}");
    assert!(read_prefix(&s, size) == before, "the source changed");
    remount(&fs, "32m");
    run(&s, &lo.dev, &opts).unwrap();
    assert_same_prefix(&s, &lo.dev, size);
    no_checkpoint_left(&cps);
}

#[test]
fn a_source_that_shrinks_mid_copy_then_a_rerun() {
    let d = tempfile::tempdir().unwrap();
    let (s, t, cps) = (d.path().join("s"), d.path().join("t"), d.path().join("cps"));
    make_image(&s, &[Piece::Data(8 * MIB)], 73);
    make_sparse(&t, 8 * MIB);
    let slow = CopyOptions::default().rate_limit(Some(4 * MIB)).workers(1).checkpoint_dir(Some(cps.clone()));
    std::thread::scope(|sc| {
        let copy = sc.spawn(|| run(&s, &t, &slow));
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::OpenOptions::new().write(true).open(&s).unwrap().set_len(6 * MIB).unwrap();
        let e = copy.join().unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        // Seen either by the size check or by a read past the new end, whichever comes first.
        let msg = e.to_string();
        eprintln!("what the user sees: {msg}");
        assert!(msg.contains(&s.display().to_string()), "{msg}");
        assert!(msg.contains("changed size during the copy (8388608 -> 6291456 bytes)") || msg.contains("shrank during the copy"), "{msg}");
    });
    // The source is what it is now; the rerun copies exactly that.
    let r = run(&s, &t, &CopyOptions::default().checkpoint_dir(Some(cps.clone()))).unwrap();
    assert_eq!(r.bytes_resumed, 0, "a checkpoint of another source size is not resumed: {r:?}");
    assert_same_prefix(&s, &t, 6 * MIB);
    no_checkpoint_left(&cps);
}
