//! Verification: re-reads both sides (the target's cache dropped first, so it comes from the
//! device), hashes each chunk and compares. Memory does not grow with the volume: each side's
//! digest is the XOR of its chunk hashes (each mixed with its offset), kept in one word.

use std::os::unix::fs::FileExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::checkpoint::chunk_hash;
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
    let (digest_s, digest_t) = (AtomicU64::new(0), AtomicU64::new(0));
    let first_diff = Mutex::new(None::<(u64, usize)>);
    let pass = Pass::new(src.size, opts, cancel);
    pass.run(opts.workers, "verify", progress, |buf| {
        let buf = buf.as_mut_slice();
        while let Some((off, len)) = pass.claim() {
            let b = &mut buf[..len];
            pass.throttle(2 * len as u64);
            let hs = match s.read_exact_at(b, off) {
                Ok(()) => chunk_hash(b, off),
                Err(e) => return pass.fail(super::engine::read_error(src, off, e)),
            };
            let ht = match t.read_exact_at(b, off) {
                Ok(()) => chunk_hash(b, off),
                Err(e) => return pass.fail(super::engine::read_error(tgt, off, e)),
            };
            digest_s.fetch_xor(hs, Relaxed);
            digest_t.fetch_xor(ht, Relaxed);
            if hs != ht {
                let mut d = first_diff.lock().unwrap_or_else(|p| p.into_inner());
                if d.is_none_or(|(o, _)| off < o) {
                    *d = Some((off, len));
                }
            }
            pass.counters.done.fetch_add(len as u64, Relaxed);
        }
    })?;
    if let Some((offset, len)) = first_diff.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(Error::VerifyMismatch { offset, len: len as u64 });
    }
    let hex = |d: &AtomicU64| format!("{:016x}", d.load(Relaxed));
    Ok(VerifyReport { matched: true, source_digest: hex(&digest_s), target_digest: hex(&digest_t) })
}
