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
    assert_eq!(r.zero_method, ZeroMethod::WriteZeroes, "a loop device has write-zeroes: {}", r.zero_reason);
    assert!(r.direct, "a block-device target gets O_DIRECT by default: {:?}", r.notes);
    assert!(r.verify.unwrap().matched);
    assert_same_prefix(&s, &lo.dev, size);
    assert!(allocated(&backing) <= 2 * MIB + 64 * 1024, "backing file allocated {}", allocated(&backing));
}

#[test]
fn loop_to_loop_read_only_source_direct_buffered_and_streaming() {
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
    make_image(&backing, &[Piece::Data(size)], 26);
    let r = run(&src.dev, &dst.dev, &CopyOptions::default().io(IoMode::Streaming).verify(true)).unwrap();
    assert!(!r.direct && r.verify.is_some(), "streaming goes through the page cache: {r:?}");
    assert_same_prefix(&s, &dst.dev, size);
}

/// A claim that ends a moment later (a forked child that still holds a copy of the descriptor
/// until its exec) is waited out; one that stays is refused as busy (above).
#[test]
fn a_claim_released_within_the_grace_is_waited_out() {
    let d = tempfile::tempdir().unwrap();
    let (s, b) = (d.path().join("s"), d.path().join("b"));
    make_image(&s, &[Piece::Data(MIB)], 37);
    make_sparse(&b, MIB);
    let Some(lo) = Loop::attach(&b, false, "a_claim_released_within_the_grace_is_waited_out") else { return };
    let holder = OpenOptions::new().read(true).custom_flags(libc::O_EXCL).open(&lo.dev).unwrap();
    std::thread::scope(|sc| {
        sc.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(holder);
        });
        run(&s, &lo.dev, &CopyOptions::default()).unwrap();
    });
    assert_same_prefix(&s, &lo.dev, MIB);
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

/// Runs a copy that must be refused as overlapping, and checks nothing was written.
fn assert_overlap_refused(src: &std::path::Path, dst: &std::path::Path, watch: &std::path::Path, opts: &CopyOptions) {
    let before = std::fs::read(watch).unwrap();
    let e = run(src, dst, opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SameDevice, "{e}");
    assert!(e.to_string().contains("overlap"), "{e}");
    assert!(std::fs::read(watch).unwrap() == before, "{} changed although the copy was refused", watch.display());
}

#[test]
fn loop_device_over_the_target_file_is_refused_as_source() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("t");
    make_image(&t, &[Piece::Data(4 * MIB)], 31);
    let Some(lo) = Loop::attach_with(&t, &["--offset", "1048576", "--read-only"], "loop_device_over_the_target_file") else { return };
    for io in [IoMode::Buffered, IoMode::Direct] {
        assert_overlap_refused(&lo.dev, &t, &t, &CopyOptions::default().io(io));
    }
}

#[test]
fn loop_device_over_the_source_file_is_refused_as_target() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    make_image(&s, &[Piece::Data(2 * MIB), Piece::Zeros(2 * MIB)], 32);
    let Some(lo) = Loop::attach(&s, false, "loop_device_over_the_source_file") else { return };
    assert_overlap_refused(&s, &lo.dev, &s, &CopyOptions::default());
}

#[test]
fn two_loop_devices_over_one_file_overlap_only_where_their_ranges_do() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("f");
    make_image(&f, &[Piece::Data(2 * MIB), Piece::Zeros(2 * MIB)], 33);
    let test = "two_loop_devices_over_one_file";
    let Some(a) = Loop::attach_with(&f, &["--sizelimit", "2097152", "--read-only"], test) else { return };
    let Some(b) = Loop::attach_with(&f, &["--offset", "2097152", "--sizelimit", "2097152"], test) else { return };
    let Some(c) = Loop::attach_with(&f, &["--offset", "1048576"], test) else { return };
    run(&a.dev, &b.dev, &CopyOptions::default().verify(true)).expect("disjoint ranges of one file");
    assert_overlap_refused(&a.dev, &c.dev, &f, &CopyOptions::default());
}

/// A disk image with one MBR partition from 1 MiB to its end.
fn partitioned_image(path: &std::path::Path, size: u64) {
    make_image(path, &[Piece::Data(size)], 34);
    // The whole sector is written: the kernel rejects a table whose other entries hold junk.
    let mut mbr = [0u8; 512];
    let entry = &mut mbr[446..462];
    entry[4] = 0x83;
    entry[8..12].copy_from_slice(&2048u32.to_le_bytes());
    entry[12..16].copy_from_slice(&(((size >> 9) - 2048) as u32).to_le_bytes());
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    use std::os::unix::fs::FileExt;
    std::fs::OpenOptions::new().write(true).open(path).unwrap().write_all_at(&mbr, 0).unwrap();
}

#[test]
fn partition_and_its_own_disk_are_refused_both_ways() {
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("disk");
    partitioned_image(&img, 8 * MIB);
    let Some(lo) = Loop::attach_with(&img, &["--partscan"], "partition_and_its_own_disk") else { return };
    // The kernel lists the partition in sysfs; its device node is made here where no udev does.
    let name = lo.dev.file_name().unwrap().to_string_lossy().into_owned();
    let sys = std::path::PathBuf::from(format!("/sys/block/{name}/{name}p1/dev"));
    for _ in 0..50 {
        if sys.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let Ok(devnum) = std::fs::read_to_string(&sys) else {
        eprintln!("SKIPPED partition_and_its_own_disk: the kernel made no partition for {}", lo.dev.display());
        return;
    };
    let (ma, mi) = devnum.trim().split_once(':').unwrap();
    let part = d.path().join("part1");
    let c = std::ffi::CString::new(part.to_str().unwrap()).unwrap();
    // SAFETY: mknod with a valid C string.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFBLK | 0o600, libc::makedev(ma.parse().unwrap(), mi.parse().unwrap())) };
    assert_eq!(rc, 0, "mknod {}: {}", part.display(), std::io::Error::last_os_error());
    assert_overlap_refused(&part, &lo.dev, &img, &CopyOptions::default());
    assert_overlap_refused(&lo.dev, &part, &img, &CopyOptions::default());
}

#[test]
fn a_copy_onto_a_loop_device_locks_its_backing_file() {
    let d = tempfile::tempdir().unwrap();
    let (s, b) = (d.path().join("s"), d.path().join("b"));
    make_image(&s, &[Piece::Data(8 * MIB)], 35);
    make_sparse(&b, 8 * MIB);
    let Some(lo) = Loop::attach(&b, false, "a_copy_onto_a_loop_device_locks_its_backing_file") else { return };
    let slow = CopyOptions::default().rate_limit(Some(4 * MIB)).workers(1);
    std::thread::scope(|sc| {
        let first = sc.spawn(|| run(&s, &lo.dev, &slow));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let e = run(&s, &b, &CopyOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
        assert!(e.to_string().contains("another copy holds its lock"), "{e}");
        first.join().unwrap().expect("the first copy finishes");
    });
    assert_same_prefix(&s, &b, 8 * MIB);
}

/// Copies at 4 MiB/s onto `dst` and cancels after `ms`.
fn cancelled(src: &std::path::Path, dst: &std::path::Path, opts: &CopyOptions, ms: u64) {
    let cancel = CancelToken::new();
    std::thread::scope(|sc| {
        let c = cancel.clone();
        sc.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            c.cancel();
        });
        let e = copy::copy(src, dst, &opts.clone().rate_limit(Some(4 * MIB)), &NoProgress, &cancel).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    });
}

/// A loop device proves its identity by its backing file: the same loop device over the same
/// file resumes; detached, its file deleted and made again, and attached again under the same
/// device name, it is another object and the copy starts over.
#[test]
fn a_loop_device_reattached_over_a_new_file_is_not_resumed_onto() {
    let d = tempfile::tempdir().unwrap();
    let (s, b, cps) = (d.path().join("s"), d.path().join("b"), d.path().join("cps"));
    let size = make_image(&s, &[Piece::Data(14 * MIB), Piece::Zeros(2 * MIB)], 36);
    make_sparse(&b, size);
    let Some(lo) = Loop::attach(&b, false, "a_loop_device_reattached_over_a_new_file_is_not_resumed_onto") else { return };
    let opts = CopyOptions::default().workers(1).checkpoint_dir(Some(cps.clone()));
    cancelled(&s, &lo.dev, &opts, 2600);
    let r = run(&s, &lo.dev, &opts).unwrap();
    assert!(r.bytes_resumed >= 4 * MIB && r.resume_refused.is_none(), "the same loop device over the same file resumes: {r:?}");
    assert_same_prefix(&s, &lo.dev, size);
    // Again, then LINSTOR-style cleanup and retry: detach, new file, attach as the same device.
    cancelled(&s, &lo.dev, &opts, 2600);
    let dev = lo.dev.clone();
    drop(lo);
    let reused = recreate(&b, size);
    let st = std::process::Command::new("losetup").arg(&dev).arg(&b).status().unwrap();
    assert!(st.success(), "losetup {} {}", dev.display(), b.display());
    let lo = common::Loop { dev };
    let r = run(&s, &lo.dev, &opts).unwrap();
    assert_eq!(r.bytes_resumed, 0, "resumed onto a new backing file (inode reused: {reused}): {r:?}");
    assert!(r.resume_refused.as_deref().is_some_and(|w| w.contains("not the object")), "{r:?}");
    assert_same_prefix(&s, &lo.dev, size);
}
