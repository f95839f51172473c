//! Built-in requests: the seed case needs no ZFS pool to plan.

use crate::request::CloneRequest;

/// The seed case (incus#2075) as JSON: ZFS_THIN → ZFS_THIN under an encrypted parent, the
/// target pre-created by LINSTOR and so encrypted too.
pub const SEED_CASE_JSON: &str = include_str!("../requests/seed-incus-2075.json");

/// The seed case, parsed.
pub fn seed_case() -> CloneRequest {
    CloneRequest::from_json(SEED_CASE_JSON).expect("the built-in seed case is valid")
}
