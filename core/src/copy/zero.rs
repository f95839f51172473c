//! Zero detection, the copier's hot loop. Data is told from zeros by its first 64 bytes (random
//! or real data almost never starts a 4 KiB block with 64 zero bytes), so a data block is barely
//! touched; only a block that starts with zeros is OR-folded whole, in words.

use super::options::BLOCK;

/// Bytes looked at before a block is folded whole.
const PROBE: usize = 64;

/// Whether every byte of `buf` is zero.
pub fn is_zero(buf: &[u8]) -> bool {
    let probe = &buf[..buf.len().min(PROBE)];
    if probe.iter().fold(0u8, |acc, &b| acc | b) != 0 {
        return false;
    }
    // SAFETY: u128 has no invalid bit patterns; align_to only reinterprets the aligned middle.
    let (head, mid, tail) = unsafe { buf.align_to::<u128>() };
    if !head.iter().all(|&b| b == 0) || !tail.iter().all(|&b| b == 0) {
        return false;
    }
    // 256 words = 4 KiB per early-exit check: the fold vectorises, the branch stays rare.
    mid.chunks(256).all(|c| c.iter().fold(0u128, |acc, &w| acc | w) == 0)
}

/// The run of data or zeros that starts at `pos` of `buf` (a block boundary), at [`BLOCK`]
/// granularity: `(len, is_zero)`. A cursor rather than an iterator, so the caller may reuse
/// the run's bytes before asking for the next one.
pub(super) fn run_at(buf: &[u8], pos: usize) -> (usize, bool) {
    let zero = is_zero(&buf[pos..(pos + BLOCK).min(buf.len())]);
    let mut end = (pos + BLOCK).min(buf.len());
    while end < buf.len() {
        let next = (end + BLOCK).min(buf.len());
        if is_zero(&buf[end..next]) != zero {
            break;
        }
        end = next;
    }
    (end - pos, zero)
}

/// All runs of `buf` as `(offset in buf, len, is_zero)`, alternating data and zeros.
#[cfg(test)]
fn runs(buf: &[u8]) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        (pos < buf.len()).then(|| {
            let (len, zero) = run_at(buf, pos);
            pos += len;
            (pos - len, len, zero)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_single_nonzero_byte_anywhere() {
        let mut buf = vec![0u8; 3 * BLOCK + 17];
        assert!(is_zero(&buf));
        for i in [0, 1, 15, 16, BLOCK - 1, BLOCK, 2 * BLOCK + 5, buf.len() - 1] {
            buf[i] = 1;
            assert!(!is_zero(&buf), "byte {i}");
            assert!(!is_zero(&buf[1..]) || i == 0, "unaligned view, byte {i}");
            buf[i] = 0;
        }
    }

    proptest::proptest! {
        /// The same answer as looking at every byte, for any length, offset and set bytes.
        #[test]
        fn agrees_with_a_byte_by_byte_check(len in 0usize..3 * BLOCK, skew in 0usize..17, set in proptest::collection::vec((0usize..3 * BLOCK, 1u8..=255), 0..3)) {
            let mut backing = vec![0u8; len + skew];
            for (i, v) in set {
                if i < len {
                    backing[skew + i] = v;
                }
            }
            let buf = &backing[skew..];
            proptest::prop_assert_eq!(is_zero(buf), buf.iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn a_block_of_zeros_with_data_after_the_probe_is_data() {
        // Zeros in the probed head, one byte set anywhere later: still data.
        let mut buf = vec![0u8; BLOCK];
        for i in [PROBE, PROBE + 1, 1000, BLOCK - 16, BLOCK - 1] {
            buf[i] = 0x80;
            assert!(!is_zero(&buf), "byte {i}");
            buf[i] = 0;
        }
        assert!(is_zero(&buf));
        assert!(is_zero(&buf[..10]) && is_zero(&[]));
    }

    #[test]
    fn runs_cover_buffer_and_alternate() {
        let mut buf = vec![0u8; 5 * BLOCK + 100];
        buf[BLOCK + 3] = 9; // block 1 data
        buf[2 * BLOCK] = 9; // block 2 data
        buf[5 * BLOCK + 99] = 9; // tail data
        let r: Vec<_> = runs(&buf).collect();
        assert_eq!(
            r,
            vec![(0, BLOCK, true), (BLOCK, 2 * BLOCK, false), (3 * BLOCK, 2 * BLOCK, true), (5 * BLOCK, 100, false)]
        );
    }
}
