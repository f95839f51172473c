//! The first record of a `zfs send` stream (`DRR_BEGIN`), read without consuming the stream:
//! which snapshot it carries, whether it is a full stream of a volume, raw (encrypted as
//! stored) or a resumed one. Facts of OpenZFS's stream format (`dmu_replay_record_t`):
//! `drr_type` u32 at 0 (0 = BEGIN), `drr_magic` u64 at 8 (`0x2F5BACBAC`, in the sender's byte
//! order), `drr_versioninfo` u64 at 16 (header type in bits 0-1, feature flags in bits 2-31),
//! the objset type u32 at 32 (3 = zvol), `drr_toguid` at 40, `drr_fromguid` at 48 (0: a full
//! stream), `drr_toname` (256 bytes, NUL-terminated) at 56.

/// Bytes of the begin record that are read.
pub const HEADER_BYTES: usize = 56 + 256;

const MAGIC: u64 = 0x2_F5BA_CBAC;
const FEATURE_RESUMING: u64 = 1 << 20;
const FEATURE_RAW: u64 = 1 << 24;
/// `DMU_SUBSTREAM`: one dataset (not a `-R` compound stream).
const SUBSTREAM: u64 = 1;
const OST_ZVOL: u32 = 3;

/// What the begin record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeader {
    /// The snapshot the stream carries, `pool/vol@snap`.
    pub toname: String,
    /// Its guid.
    pub toguid: u64,
    /// The base of an incremental stream; 0 for a full stream.
    pub fromguid: u64,
    /// Raw (`send -w`): blocks encrypted as stored.
    pub raw: bool,
    /// A resumed stream (`send -t`).
    pub resuming: bool,
    /// One dataset, not a compound (`-R`) stream.
    pub substream: bool,
    /// The dataset is a zvol.
    pub zvol: bool,
}

impl StreamHeader {
    /// A full, plain (not raw, not resumed) stream of one zvol: what LINSTOR's
    /// `zfs send --embed --large-block SNAP` is.
    pub fn is_plain_full_zvol(&self) -> bool {
        self.fromguid == 0 && !self.raw && !self.resuming && self.substream && self.zvol
    }
}

/// Parses the begin record at the start of `bytes`; `None` when it is not one (too short, no
/// magic, not a begin record, a name that is not text).
pub fn parse(bytes: &[u8]) -> Option<StreamHeader> {
    if bytes.len() < HEADER_BYTES {
        return None;
    }
    let u64_at = |at: usize, big: bool| {
        let b: [u8; 8] = bytes[at..at + 8].try_into().ok()?;
        Some(if big { u64::from_be_bytes(b) } else { u64::from_le_bytes(b) })
    };
    let u32_at = |at: usize, big: bool| {
        let b: [u8; 4] = bytes[at..at + 4].try_into().ok()?;
        Some(if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let big = match (u64_at(8, false)?, u64_at(8, true)?) {
        (MAGIC, _) => false,
        (_, MAGIC) => true,
        _ => return None,
    };
    if u32_at(0, big)? != 0 {
        return None;
    }
    let versioninfo = u64_at(16, big)?;
    let features = (versioninfo >> 2) & ((1 << 30) - 1);
    let name = &bytes[56..56 + 256];
    let end = name.iter().position(|&b| b == 0)?;
    let toname = std::str::from_utf8(&name[..end]).ok()?.to_owned();
    if toname.is_empty() {
        return None;
    }
    Some(StreamHeader {
        toname,
        toguid: u64_at(40, big)?,
        fromguid: u64_at(48, big)?,
        raw: features & FEATURE_RAW != 0,
        resuming: features & FEATURE_RESUMING != 0,
        substream: versioninfo & 3 == SUBSTREAM,
        zvol: u32_at(32, big)? == OST_ZVOL,
    })
}

#[cfg(test)]
pub(crate) fn begin_record(toname: &str, features: u64, fromguid: u64, big: bool) -> Vec<u8> {
    let mut b = vec![0u8; HEADER_BYTES];
    let put64 = |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
    let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
    put32(&mut b, 0, 0);
    put64(&mut b, 8, MAGIC);
    put64(&mut b, 16, SUBSTREAM | (features << 2));
    put32(&mut b, 32, OST_ZVOL);
    put64(&mut b, 40, 0xABCD);
    put64(&mut b, 48, fromguid);
    b[56..56 + toname.len()].copy_from_slice(toname.as_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_linstors_stream_in_either_byte_order() {
        for big in [false, true] {
            let h = parse(&begin_record("tank/vm_00000@CF_1a2b3c4d", (1 << 16) | (1 << 19), 0, big)).unwrap();
            assert_eq!(h.toname, "tank/vm_00000@CF_1a2b3c4d");
            assert!(h.is_plain_full_zvol(), "{h:?}");
            assert_eq!(h.toguid, 0xABCD);
        }
        let raw = parse(&begin_record("t/v@s", FEATURE_RAW, 0, false)).unwrap();
        assert!(raw.raw && !raw.is_plain_full_zvol());
        let incr = parse(&begin_record("t/v@s", 0, 7, false)).unwrap();
        assert!(!incr.is_plain_full_zvol());
        let resumed = parse(&begin_record("t/v@s", FEATURE_RESUMING, 0, false)).unwrap();
        assert!(!resumed.is_plain_full_zvol());
    }

    #[test]
    fn anything_else_is_not_a_header() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[0u8; HEADER_BYTES]), None);
        let mut b = begin_record("t/v@s", 0, 0, false);
        b[0] = 5; // not a BEGIN record
        assert_eq!(parse(&b), None);
        let mut b = begin_record("t/v@s", 0, 0, false);
        b[56..56 + 256].fill(b'a'); // no NUL
        assert_eq!(parse(&b), None);
        assert_eq!(parse(&begin_record("t/v@s", 0, 0, false)[..HEADER_BYTES - 1]), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, .. ProptestConfig::default() })]
        /// Arbitrary bytes never panic, and parse only with the magic in place.
        #[test]
        fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Some(h) = parse(&b) {
                prop_assert!(!h.toname.is_empty());
                let m = u64::from_le_bytes(b[8..16].try_into().unwrap());
                prop_assert!(m == MAGIC || m.swap_bytes() == MAGIC);
            }
        }
    }
}
