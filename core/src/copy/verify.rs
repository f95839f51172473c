//! Verification: re-reads both sides (the target's cache dropped first, so it comes from the
//! device), hashes each chunk with xxh3 and compares.

use std::os::unix::fs::FileExt;
use std::sync::Mutex;
use std::sync::atomic::Ordering::Relaxed;

use xxhash_rust::xxh3::xxh3_64;

use super::device::{self, Endpoint};
use super::engine::Pass;
use super::options::CopyOptions;
use super::progress::{CancelToken, Progress};
use super::report::VerifyReport;
use crate::error::{Error, Result};

pub(super) fn verify(src: &Endpoint, tgt: &Endpoint, opts: &CopyOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<VerifyReport> {
    let s = device::open_read_only(&src.path)?;
    let t = device::open_read_only(&tgt.path)?;
    device::drop_cache(&t);
    let chunks = src.size.div_ceil(opts.chunk_size as u64) as usize;
    let hashes = Mutex::new(vec![(0u64, 0u64); chunks]);
    let first_diff = Mutex::new(None::<(u64, usize)>);
    let pass = Pass::new(src.size, opts, cancel);
    pass.run(opts.workers, "verify", progress, |buf| {
        let buf = buf.as_mut_slice();
        while let Some((off, len)) = pass.claim() {
            let b = &mut buf[..len];
            pass.throttle(2 * len as u64);
            let hs = match s.read_exact_at(b, off) {
                Ok(()) => xxh3_64(b),
                Err(e) => return pass.fail(super::engine::read_error(src, off, e)),
            };
            let ht = match t.read_exact_at(b, off) {
                Ok(()) => xxh3_64(b),
                Err(e) => return pass.fail(super::engine::read_error(tgt, off, e)),
            };
            hashes.lock().unwrap_or_else(|p| p.into_inner())[(off / pass.chunk as u64) as usize] = (hs, ht);
            if hs != ht {
                let mut d = first_diff.lock().unwrap_or_else(|p| p.into_inner());
                if d.is_none_or(|(o, _)| off < o) {
                    *d = Some((off, len));
                }
            }
            pass.counters.done.fetch_add(len as u64, Relaxed);
        }
    })?;
    let hashes = hashes.into_inner().unwrap_or_else(|p| p.into_inner());
    let digest = |pick: fn(&(u64, u64)) -> u64| {
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| pick(h).to_le_bytes()).collect();
        format!("{:016x}", xxh3_64(&bytes))
    };
    if let Some((offset, len)) = first_diff.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(Error::VerifyMismatch { offset, len: len as u64 });
    }
    Ok(VerifyReport { matched: true, source_digest: digest(|h| h.0), target_digest: digest(|h| h.1) })
}
