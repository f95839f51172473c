//! The block copier on real block devices (loop devices): sizes from BLKGETSIZE64, zero-out
//! keeping the backing file thin, exclusive open, same-device refusal, read-only sources.
//! Skipped with a visible message where loop devices are unavailable.

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;

use common::*;
use volclone_core::copy::{self, CancelToken, CopyOptions, IoMode, NoProgress, ZeroMethod};
use volclone_core::ErrorKind;

fn run(src: &std::path::Path, dst: &std::path::Path, opts: &CopyOptions) -> Result<copy::CopyReport, volclone_core::Error> {
    copy::copy(src, dst, opts, &NoProgress, &CancelToken::new())
}

#[test]
fn file_to_loop_device_stays_thin_and_identical() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let size = make_image(&s, &[Piece::Data(MIB), Piece::Zeros(6 * MIB), Piece::Hole(4 * MIB), Piece::Data(MIB)], 21);
    let backing = d.path().join("backing");
    make_sparse(&backing, size);
    let Some(lo) = Loop::attach(&backing, false, "file_to_loop_device_stays_thin_and_identical") else { return };
    let r = run(&s, &lo.dev, &CopyOptions::default().verify(true)).unwrap();
    assert_eq!(r.zero_method, ZeroMethod::PunchHole);
    assert!(r.direct, "a block-device target gets O_DIRECT by default: {:?}", r.notes);
    assert!(r.verify.unwrap().matched);
    assert_same_prefix(&s, &lo.dev, size);
    assert!(allocated(&backing) <= 2 * MIB + 64 * 1024, "backing file allocated {}", allocated(&backing));
}

#[test]
fn loop_to_loop_read_only_source_direct_and_buffered() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let size = make_image(&s, &[Piece::Data(3 * MIB), Piece::Zeros(MIB)], 22);
    let backing = d.path().join("backing");
    make_image(&backing, &[Piece::Data(size)], 23); // old data everywhere
    let Some(src) = Loop::attach(&s, true, "loop_to_loop_read_only_source_direct") else { return };
    let Some(dst) = Loop::attach(&backing, false, "loop_to_loop_read_only_source_direct") else { return };
    let r = run(&src.dev, &dst.dev, &CopyOptions::default().io(IoMode::Direct).verify(true)).unwrap();
    assert!(r.direct, "loop devices take O_DIRECT: {:?}", r.notes);
    assert_same_prefix(&s, &dst.dev, size);
    make_image(&backing, &[Piece::Data(size)], 25);
    let r = run(&src.dev, &dst.dev, &CopyOptions::default().io(IoMode::Buffered).verify(true)).unwrap();
    assert!(!r.direct, "buffered I/O was asked for");
    assert_same_prefix(&s, &dst.dev, size);
}

#[test]
fn device_sizes_come_from_the_device() {
    let d = tempfile::tempdir().unwrap();
    let (s, b) = (d.path().join("s"), d.path().join("b"));
    make_image(&s, &[Piece::Data(2 * MIB)], 24);
    make_sparse(&b, MIB);
    let Some(lo) = Loop::attach(&b, false, "device_sizes_come_from_the_device") else { return };
    let e = run(&s, &lo.dev, &CopyOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TargetTooSmall);
    assert!(e.to_string().contains("has 1048576 bytes"), "{e}");
}

#[test]
fn claimed_device_is_refused_as_busy() {
    let d = tempfile::tempdir().unwrap();
    let (s, b) = (d.path().join("s"), d.path().join("b"));
    make_image(&s, &[Piece::Data(MIB)], 25);
    make_sparse(&b, MIB);
    let Some(lo) = Loop::attach(&b, false, "claimed_device_is_refused_as_busy") else { return };
    // Another holder claims the device exclusively, as a mount or DRBD would.
    let holder = OpenOptions::new().read(true).custom_flags(libc::O_EXCL).open(&lo.dev).unwrap();
    let e = run(&s, &lo.dev, &CopyOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    assert!(e.to_string().contains("in use"), "{e}");
    drop(holder);
    run(&s, &lo.dev, &CopyOptions::default()).unwrap();
}

#[test]
fn same_device_by_another_name_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    make_image(&b, &[Piece::Data(MIB)], 26);
    let Some(lo) = Loop::attach(&b, false, "same_device_by_another_name_is_refused") else { return };
    let alias = d.path().join("alias");
    std::os::unix::fs::symlink(&lo.dev, &alias).unwrap();
    let e = run(&lo.dev, &alias, &CopyOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SameDevice, "{e}");
}
