//! The copier's own benchmark: MiB/s, CPU seconds and allocated size for a grid of worker counts
//! and chunk sizes on dense, sparse (holes) and zero-filled images, target a fresh thin file.
//! Used to choose the defaults. Run: `cargo bench --bench copy -- [--dir DIR] [--mib N] [--runs R] [--grid]`.
//! Side-by-side figures against other tools come from `benches/compare.sh`.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use volclone_core::copy::{CancelToken, CopyOptions, NoProgress, copy};

const MIB: u64 = 1 << 20;

fn drop_cache(p: &Path) {
    if let Ok(f) = File::open(p) {
        // SAFETY: advisory calls on a valid fd.
        unsafe {
            libc::fdatasync(f.as_raw_fd());
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Writes an image: `dense` = all random; otherwise 25% random 1 MiB extents, the rest holes or zeros.
fn make_image(path: &Path, mib: u64, kind: &str) {
    if path.exists() {
        return;
    }
    let f = File::create(path).unwrap();
    f.set_len(mib * MIB).unwrap();
    let mut buf = vec![0u8; MIB as usize];
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = |buf: &mut [u8]| {
        for w in buf.chunks_mut(8) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            w.copy_from_slice(&s.to_le_bytes()[..w.len()]);
        }
    };
    for i in 0..mib {
        let data = kind == "dense" || {
            let mut b = [0u8; 8];
            rnd(&mut b);
            u64::from_le_bytes(b) % 4 == 0
        };
        if data {
            rnd(&mut buf);
            f.write_all_at(&buf, i * MIB).unwrap();
        } else if kind == "zeroed" {
            f.write_all_at(&vec![0u8; MIB as usize], i * MIB).unwrap();
        }
    }
    f.sync_all().unwrap();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
    };
    let dir = PathBuf::from(arg("--dir", "/var/tmp/volclone-bench"));
    let mib: u64 = arg("--mib", "1024").parse().unwrap();
    let runs: usize = arg("--runs", "3").parse().unwrap();
    let grid = args.iter().any(|a| a == "--grid");
    std::fs::create_dir_all(&dir).unwrap();
    let configs: Vec<(usize, usize)> = if grid {
        [1, 2, 4, 8].iter().flat_map(|&w| [256 << 10, 1 << 20, 4 << 20].map(move |c| (w, c))).collect()
    } else {
        vec![(CopyOptions::default().workers, CopyOptions::default().chunk_size)]
    };
    println!("| image | workers | chunk | MiB/s median (min-max) | CPU s | target allocated MiB |");
    println!("|---|---|---|---|---|---|");
    for kind in ["dense", "sparse", "zeroed"] {
        let size = if kind == "dense" { mib } else { 2 * mib };
        let src = dir.join(format!("{kind}-{size}.img"));
        make_image(&src, size, kind);
        for &(workers, chunk) in &configs {
            let mut rates = Vec::new();
            let mut cpu = Vec::new();
            let dst = dir.join("target.img");
            let mut alloc = 0;
            for _ in 0..runs {
                let _ = std::fs::remove_file(&dst);
                File::create(&dst).unwrap().set_len(size * MIB).unwrap();
                drop_cache(&src);
                let (t0, c0) = (Instant::now(), cpu_seconds());
                let opts = CopyOptions::default().workers(workers).chunk_size(chunk);
                copy(&src, &dst, &opts, &NoProgress, &CancelToken::new()).unwrap();
                rates.push(size as f64 / t0.elapsed().as_secs_f64());
                cpu.push(cpu_seconds() - c0);
                alloc = std::fs::metadata(&dst).unwrap().blocks() * 512 / MIB;
            }
            let (lo, hi) = rates.iter().fold((f64::MAX, 0f64), |(l, h), &r| (l.min(r), h.max(r)));
            println!(
                "| {kind} {size} MiB | {workers} | {} KiB | {:.0} ({lo:.0}-{hi:.0}) | {:.2} | {alloc} |",
                chunk >> 10,
                median(rates),
                median(cpu)
            );
        }
    }
    let _ = std::fs::remove_file(dir.join("target.img"));
}
