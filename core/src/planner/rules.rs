//! The rules: for each strategy, either why it can be used or why it cannot.

use crate::copy::SparseMode;
use crate::request::{CloneRequest, DrbdMetadata, KeyStatus, LayerKind, ProviderKind, VolumeFacts, ZfsVersion};
use crate::strategy::Strategy;

/// `Ok(why usable)` or `Err(why not)`.
pub(super) fn check(strategy: Strategy, req: &CloneRequest) -> Result<String, String> {
    blocker(req).map_or(Ok(()), Err)?;
    match strategy {
        Strategy::LvmThinClone => lvm_thin_clone(req),
        Strategy::ZfsClone => zfs_clone(req),
        Strategy::ZfsCopy => zfs_copy(req),
        Strategy::ZfsRawCopy => zfs_raw_copy(req),
        Strategy::BlockCopy => block_copy(req),
    }
}

/// Facts that rule out every strategy.
fn blocker(req: &CloneRequest) -> Option<String> {
    let (s, t) = (&req.source, &req.target);
    if (s.provider == t.provider && s.volume == t.volume) || s.device() == t.device() {
        return Some(format!("source and target are the same volume ({}): give a different target", s.volume));
    }
    if t.size_bytes < s.size_bytes {
        return Some(format!(
            "target {} has {} bytes, less than the {} bytes of source {}: create the target with at least {} bytes",
            t.volume, t.size_bytes, s.size_bytes, s.volume, s.size_bytes
        ));
    }
    if s.drbd_metadata() == DrbdMetadata::Internal && !t.has_layer(LayerKind::Drbd) {
        return Some(format!(
            "source {} carries DRBD internal metadata at the end of its device, but the target has no DRBD layer: \
             the copy would leave DRBD metadata inside a plain volume; add DRBD to the target's layer stack",
            s.volume
        ));
    }
    None
}

fn luks_reason(req: &CloneRequest) -> Option<String> {
    let side = match (req.source.has_layer(LayerKind::Luks), req.target.has_layer(LayerKind::Luks)) {
        (true, true) => "both stacks have",
        (true, false) => "the source stack has",
        (false, true) => "the target stack has",
        (false, false) => return None,
    };
    Some(format!("{side} LUKS: data must pass through dm-crypt, which only BLOCK_COPY does"))
}

fn both_zfs(req: &CloneRequest, what: &str) -> Result<(), String> {
    if req.source.provider.is_zfs() && req.target.provider.is_zfs() {
        return Ok(());
    }
    Err(format!(
        "{what} needs ZFS on both sides (source {}, target {})",
        req.source.provider.name(),
        req.target.provider.name()
    ))
}

/// Both sides live in one zpool (or VG), whose features anything sent as stored then has.
pub(super) fn same_zpool(req: &CloneRequest) -> bool {
    req.source.container() == req.target.container()
}

fn same_pool(req: &CloneRequest, what: &str) -> Result<(), String> {
    let (s, t) = (&req.source, &req.target);
    if s.storage_pool != t.storage_pool {
        return Err(format!("{what} needs the same storage pool (source {}, target {})", s.storage_pool, t.storage_pool));
    }
    if s.container() != t.container() {
        return Err(format!("{what} needs the same pool/VG (source in {}, target in {})", s.container(), t.container()));
    }
    Ok(())
}

fn no_luks(req: &CloneRequest) -> Result<(), String> {
    luks_reason(req).map_or(Ok(()), Err)
}

fn source_key_loaded(req: &CloneRequest, what: &str) -> Result<(), String> {
    if req.source.key_status() == KeyStatus::Unavailable {
        return Err(format!(
            "the source's key (encryption root {}) is not loaded, so {what} cannot read it: load it with `zfs load-key`, or use ZFS_RAW_COPY",
            enc_root(&req.source)
        ));
    }
    Ok(())
}

fn target_key_loaded(req: &CloneRequest, what: &str) -> Result<(), String> {
    if req.target.key_status() == KeyStatus::Unavailable {
        return Err(format!(
            "the target's encryption root {} has its key unloaded, so {what} cannot write it: load it with `zfs load-key`",
            enc_root(&req.target)
        ));
    }
    Ok(())
}

fn enc_root(v: &VolumeFacts) -> String {
    v.zfs.as_ref().and_then(|z| z.encryption_root.clone()).unwrap_or_else(|| v.volume.clone())
}

/// Encrypted data would land as plaintext: refused unless `allow_decrypt`.
fn no_plaintext(req: &CloneRequest, what: &str) -> Result<Option<String>, String> {
    if !req.source.encrypted_at_rest() || req.target.encrypted_at_rest() {
        return Ok(None);
    }
    let note = format!(
        "{what} would store the encrypted source {} as plaintext on the unencrypted target {}",
        req.source.volume, req.target.volume
    );
    if req.options.allow_decrypt {
        Ok(Some(format!("{note} (allowed by options.allow_decrypt)")))
    } else {
        Err(format!("{note}; set options.allow_decrypt to accept that, or clone under an encrypted parent"))
    }
}

fn lvm_thin_clone(req: &CloneRequest) -> Result<String, String> {
    let (s, t) = (&req.source, &req.target);
    if s.provider != ProviderKind::LvmThin || t.provider != ProviderKind::LvmThin {
        return Err(format!("needs LVM_THIN on both sides (source {}, target {})", s.provider.name(), t.provider.name()));
    }
    same_pool(req, "a thin snapshot")?;
    no_luks(req)?;
    Ok(format!("thin snapshot of {} in the same thin pool: instant, shares blocks until written", s.volume))
}

fn zfs_clone(req: &CloneRequest) -> Result<String, String> {
    both_zfs(req, "zfs clone")?;
    if !req.options.use_zfs_clone {
        return Err("off: set options.use_zfs_clone (LINSTOR's UseZFSClone) to allow clones that depend on the source".into());
    }
    same_pool(req, "zfs clone")?;
    no_luks(req)?;
    source_key_loaded(req, "zfs clone")?;
    let (s, t) = (&req.source, &req.target);
    if !s.zfs_encrypted() && t.zfs_encrypted() {
        return Err(format!(
            "a clone keeps its origin's encryption: it would stay unencrypted under the encrypted {}",
            enc_root(t)
        ));
    }
    let key = if s.zfs_encrypted() {
        format!("; it keeps the source's encryption root {}", enc_root(s))
    } else {
        String::new()
    };
    Ok(format!("zfs clone of a snapshot of {}: instant, but depends on the source's snapshot{key}", s.volume))
}

fn zfs_copy(req: &CloneRequest) -> Result<String, String> {
    both_zfs(req, "zfs send/receive")?;
    no_luks(req)?;
    source_key_loaded(req, "a non-raw send")?;
    let (s, t) = (&req.source, &req.target);
    if t.zfs_encrypted() {
        target_key_loaded(req, "a non-raw receive")?;
    }
    let plaintext = no_plaintext(req, "a non-raw send")?;
    let mut why = String::from("zfs send | zfs receive");
    if t.exists {
        why.push_str(" into a new dataset, swapped in for the empty pre-created target only after it succeeded (no receive -F)");
    }
    if t.zfs_encrypted() {
        why.push_str(&format!("; the data is re-encrypted under the target's encryption root {}", enc_root(t)));
    } else if !s.zfs_encrypted() {
        why.push_str("; plain to plain");
    }
    if let Some(p) = plaintext {
        why.push_str(&format!("; {p}"));
    }
    if same_zpool(req) {
        why.push_str("; --compressed, as both are in one pool: compressed blocks are sent as stored, not decompressed and compressed again");
    } else {
        why.push_str("; blocks are sent uncompressed, as the target's pool may lack the source's compression feature");
    }
    Ok(why)
}

fn zfs_raw_copy(req: &CloneRequest) -> Result<String, String> {
    both_zfs(req, "a raw send")?;
    no_luks(req)?;
    let (s, t) = (&req.source, &req.target);
    if !s.zfs_encrypted() {
        return Err("the source is not encrypted: a raw send adds nothing over ZFS_COPY".into());
    }
    if let Some(v) = req.zfs_version().filter(|v| *v < ZfsVersion::RAW_SEND) {
        return Err(format!("OpenZFS {v} has no raw send: it needs {} or later", ZfsVersion::RAW_SEND));
    }
    let key_loadable = raw_key_location(req).is_some();
    if t.size_bytes > s.size_bytes && !key_loadable {
        return Err("the target is larger than the source, and growing volsize needs the received key loaded, which volclone \
             cannot do without the source's key location (give source.zfs.key_location, not prompt)"
            .into());
    }
    let mut why = format!(
        "raw send keeps the ciphertext: the target becomes its own encryption root with the source's key ({})",
        enc_root(s)
    );
    if key_loadable {
        why.push_str(", loaded from the source's key location");
    } else {
        why.push_str(", locked until `zfs load-key` is given that key");
    }
    why.push_str("; blocks travel exactly as stored: no decryption, decompression or re-encryption on either side");
    Ok(why)
}

/// The source's `keylocation` when a raw-received copy can load it unattended: any location but
/// `prompt` (a key file, an https URL), whether or not the source's own key is loaded now (a
/// raw copy of a locked source is exactly when the clone's key must be loaded from it). A key
/// that cannot be loaded from there fails the load-key step before the swap, which undoes the
/// clone.
pub(super) fn raw_key_location(req: &CloneRequest) -> Option<&str> {
    let z = req.source.zfs.as_ref()?;
    z.key_location.as_deref().filter(|l| *l != "prompt" && *l != "none" && !l.is_empty())
}

fn block_copy(req: &CloneRequest) -> Result<String, String> {
    let (s, t) = (&req.source, &req.target);
    source_key_loaded(req, "a block copy")?;
    target_key_loaded(req, "a block copy")?;
    let plaintext = no_plaintext(req, "a block copy")?;
    let sparse = sparse_mode(req);
    let mut why = format!("parallel block copy {} -> {}", s.read_device(), t.device());
    if s.provider != t.provider {
        why.push_str(&format!(" ({} to {})", s.provider.name(), t.provider.name()));
    }
    why.push_str(match (sparse, luks_reason(req).is_some()) {
        (SparseMode::Never, true) => "; sparse=never: through dm-crypt every zero is written",
        (SparseMode::Never, false) => "; sparse=never: the thick target is written in full",
        _ => "; sparse=auto: zero runs are not written but zeroed the way the target guarantees (holes, write-zeroes, whole zvol volblocks or dm-thin pool blocks discarded with the edges written), so the thin target stays thin",
    });
    if let Some(p) = plaintext {
        why.push_str(&format!("; {p}"));
    }
    Ok(why)
}

/// Zero handling for a block copy: skip zeros only on a thin target with no LUKS in either stack.
pub(super) fn sparse_mode(req: &CloneRequest) -> SparseMode {
    if luks_reason(req).is_none() && req.target.provider.is_thin() {
        SparseMode::Auto
    } else {
        SparseMode::Never
    }
}
