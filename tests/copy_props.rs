//! Property tests of the copier: random layouts, worker counts and chunk sizes, onto fresh
//! sparse targets and onto targets full of other data.

mod common;

use common::*;
use proptest::prelude::*;
use volclone_core::copy::{self, CancelToken, CopyOptions, NoProgress};

fn piece() -> impl Strategy<Value = Piece> {
    let len = prop_oneof![1u64..5000, 4096u64..300_000, Just(65536u64)];
    prop_oneof![len.clone().prop_map(Piece::Data), len.clone().prop_map(Piece::Zeros), len.prop_map(Piece::Hole)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn target_reads_back_identical_and_stays_thin(
        pieces in proptest::collection::vec(piece(), 1..12),
        workers in 1usize..8,
        chunk_blocks in prop_oneof![Just(1usize), 2usize..16, Just(64usize)],
        seed in any::<u64>(),
        old_data in any::<bool>(),
    ) {
        let d = tempfile::tempdir().unwrap();
        let (s, t) = (d.path().join("s"), d.path().join("t"));
        let size = make_image(&s, &pieces, seed);
        prop_assume!(size > 0);
        if old_data {
            // A target full of other data: every zero run of the source must be made to read
            // zeros (a skipped one would leave old bytes), and holes punched keep it thin.
            let mut old = vec![0u8; size as usize];
            fill_random(&mut old, !seed);
            std::fs::write(&t, &old).unwrap();
        } else {
            make_sparse(&t, size);
        }
        let chunk = chunk_blocks * 4096;
        let opts = CopyOptions::default().workers(workers).chunk_size(chunk).fsync(false);
        copy::copy(&s, &t, &opts, &NoProgress, &CancelToken::new()).unwrap();
        prop_assert_eq!(read_prefix(&s, size), read_prefix(&t, size));
        let extents = pieces.iter().filter(|p| matches!(p, Piece::Data(_))).count() as u64;
        let data: u64 = pieces.iter().map(|p| if let Piece::Data(n) = p { *n } else { 0 }).sum();
        // Zeros are found per 4 KiB block, so an unaligned extent costs at most its partial
        // first and last blocks: never more than one chunk per extent once chunks are >= 8 KiB.
        let slack = (chunk as u64).max(2 * 4096);
        // On old data, a zero run's unaligned first and last blocks keep their old allocation
        // (written with zeros: a hole frees whole blocks only), so every piece may cost as much.
        let allowed = data + if old_data { pieces.len() as u64 } else { extents } * slack;
        prop_assert!(allocated(&t) <= allowed, "allocated {} > {} (data {}, {} extents, {} pieces, slack {}, old data {})", allocated(&t), allowed, data, extents, pieces.len(), slack, old_data);
    }
}
