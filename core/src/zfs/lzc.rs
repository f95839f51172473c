//! The native backend: OpenZFS's `libzfs_core` (feature `libzfs-core`), opened at run time
//! (`libzfs_core.so.3`, `libnvpair.so.3`: the same ABI in OpenZFS 2.1 and 2.3), so building needs
//! no ZFS headers or libraries. Snapshots, send/receive, clones, destroys, renames and existence
//! go through `lzc_*` calls; properties, key loading and listings through the `zfs` command.

use std::collections::BTreeMap;
use std::ffi::{CString, c_char, c_int, c_uint};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use libloading::{Library, Symbol};

use super::cli::ZfsCli;
use super::ops::{SendReceive, ZfsOps};
use super::stream::pump;
use crate::copy::{CancelToken, Progress};
use crate::error::{Error, Result};

#[repr(C)]
struct Nvlist {
    _private: [u8; 0],
}

const NV_UNIQUE_NAME: c_uint = 1;
const LZC_SEND_FLAG_EMBED_DATA: c_int = 1 << 0;
const LZC_SEND_FLAG_LARGE_BLOCK: c_int = 1 << 1;
const LZC_SEND_FLAG_COMPRESS: c_int = 1 << 2;
const LZC_SEND_FLAG_RAW: c_int = 1 << 3;

/// `libzfs_core` through `dlopen`.
pub struct Lzc {
    core: Library,
    nvpair: Library,
    cli: ZfsCli,
}

fn errno_error(call: String, rc: c_int) -> Error {
    Error::CommandFailed { command: call, status: format!("errno {rc}"), stderr: std::io::Error::from_raw_os_error(rc).to_string() }
}

fn cstr(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::InvalidArgument(format!("{s:?} contains a NUL byte")))
}

/// An owned nvlist, freed on drop.
struct NvList<'a> {
    lzc: &'a Lzc,
    ptr: *mut Nvlist,
}

impl Drop for NvList<'_> {
    fn drop(&mut self) {
        if let Ok(free) = unsafe { self.lzc.nvpair.get::<unsafe extern "C" fn(*mut Nvlist)>(b"nvlist_free\0") } {
            // SAFETY: ptr came from nvlist_alloc and is freed once.
            unsafe { free(self.ptr) };
        }
    }
}

impl Lzc {
    /// Opens the libraries and calls `libzfs_core_init`.
    pub fn open() -> Result<Self> {
        let load = |name: &str| {
            // SAFETY: loading a system library runs its initialisers, as linking would.
            unsafe { Library::new(name) }.map_err(|e| {
                Error::InvalidArgument(format!("cannot load {name} ({e}): install OpenZFS's libzfs_core, or use the zfs command backend"))
            })
        };
        let lzc = Lzc { core: load("libzfs_core.so.3")?, nvpair: load("libnvpair.so.3")?, cli: ZfsCli::default() };
        let init: Symbol<unsafe extern "C" fn() -> c_int> = lzc.sym(b"libzfs_core_init\0")?;
        // SAFETY: no arguments; opens /dev/zfs.
        let rc = unsafe { init() };
        if rc != 0 {
            return Err(errno_error("libzfs_core_init()".into(), rc));
        }
        Ok(lzc)
    }

    fn sym<T>(&self, name: &[u8]) -> Result<Symbol<'_, T>> {
        let lib = if name.starts_with(b"nvlist") { &self.nvpair } else { &self.core };
        // SAFETY: the type at each call site matches the C declaration in libzfs_core.h / libnvpair.h.
        unsafe { lib.get(name) }
            .map_err(|e| Error::InvalidArgument(format!("{} missing from libzfs_core ({e})", String::from_utf8_lossy(name).trim_end_matches('\0'))))
    }

    fn nvlist(&self) -> Result<NvList<'_>> {
        let alloc: Symbol<unsafe extern "C" fn(*mut *mut Nvlist, c_uint, c_int) -> c_int> = self.sym(b"nvlist_alloc\0")?;
        let mut ptr = std::ptr::null_mut();
        // SAFETY: out-pointer to a local.
        let rc = unsafe { alloc(&mut ptr, NV_UNIQUE_NAME, 0) };
        if rc != 0 || ptr.is_null() {
            return Err(errno_error("nvlist_alloc".into(), rc));
        }
        Ok(NvList { lzc: self, ptr })
    }

    fn add_boolean(&self, nv: &NvList, name: &str) -> Result<()> {
        let f: Symbol<unsafe extern "C" fn(*mut Nvlist, *const c_char) -> c_int> = self.sym(b"nvlist_add_boolean\0")?;
        let n = cstr(name)?;
        // SAFETY: valid nvlist and C string.
        let rc = unsafe { f(nv.ptr, n.as_ptr()) };
        if rc != 0 { Err(errno_error(format!("nvlist_add_boolean({name})"), rc)) } else { Ok(()) }
    }

    fn add_string(&self, nv: &NvList, name: &str, value: &str) -> Result<()> {
        let f: Symbol<unsafe extern "C" fn(*mut Nvlist, *const c_char, *const c_char) -> c_int> = self.sym(b"nvlist_add_string\0")?;
        let (n, v) = (cstr(name)?, cstr(value)?);
        // SAFETY: valid nvlist and C strings.
        let rc = unsafe { f(nv.ptr, n.as_ptr(), v.as_ptr()) };
        if rc != 0 { Err(errno_error(format!("nvlist_add_string({name})"), rc)) } else { Ok(()) }
    }

    /// Frees an error list some calls hand back.
    fn free_errlist(&self, errlist: *mut Nvlist) {
        if !errlist.is_null() {
            drop(NvList { lzc: self, ptr: errlist });
        }
    }
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: pipe2 fills two fds.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::io("pipe", "lzc stream", None, std::io::Error::last_os_error()));
    }
    // SAFETY: both fds are new and owned here.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl ZfsOps for Lzc {
    fn snapshot(&self, snapshot: &str, properties: &BTreeMap<String, String>) -> Result<()> {
        let snaps = self.nvlist()?;
        self.add_boolean(&snaps, snapshot)?;
        let props = self.nvlist()?;
        for (k, v) in properties {
            self.add_string(&props, k, v)?;
        }
        let f: Symbol<unsafe extern "C" fn(*mut Nvlist, *mut Nvlist, *mut *mut Nvlist) -> c_int> = self.sym(b"lzc_snapshot\0")?;
        let mut errlist = std::ptr::null_mut();
        // SAFETY: valid nvlists; errlist is an out-pointer we free.
        let rc = unsafe { f(snaps.ptr, props.ptr, &mut errlist) };
        self.free_errlist(errlist);
        if rc != 0 { Err(errno_error(format!("lzc_snapshot({snapshot})"), rc)) } else { Ok(()) }
    }

    fn send_receive(&self, sr: &SendReceive, progress: &dyn Progress, cancel: &CancelToken) -> Result<u64> {
        if sr.resume_token.is_some() || sr.from_stdin {
            // A resumed stream goes through the zfs command (lzc_send_resume needs the token's
            // fields unpacked; the command does that), and so does a stream already running
            // into standard input (only a receive to run).
            return self.cli.send_receive(sr, progress, cancel);
        }
        if sr.force {
            return Err(Error::InvalidArgument("the libzfs_core backend never receives with force".into()));
        }
        let snap_name = sr.snapshot.rsplit('@').next().unwrap_or_default();
        let target_snap = cstr(&format!("{}@{snap_name}", sr.target))?;
        let source = cstr(&sr.snapshot)?;
        let mut flags = 0;
        if sr.raw {
            flags |= LZC_SEND_FLAG_RAW;
        }
        if sr.embed {
            flags |= LZC_SEND_FLAG_EMBED_DATA;
        }
        if sr.large_block {
            flags |= LZC_SEND_FLAG_LARGE_BLOCK;
        }
        if sr.compressed {
            flags |= LZC_SEND_FLAG_COMPRESS;
        }
        let send: Symbol<unsafe extern "C" fn(*const c_char, *const c_char, c_int, c_int) -> c_int> = self.sym(b"lzc_send\0")?;
        let recv: Symbol<unsafe extern "C" fn(*const c_char, *mut Nvlist, *const c_char, c_int, c_int, c_int) -> c_int> =
            if sr.resumable { self.sym(b"lzc_receive_resumable\0")? } else { self.sym(b"lzc_receive\0")? };
        // Both ends are pipes: OpenZFS 2.1 needs a pipe (or file) for lzc_send.
        let (send_r, send_w) = pipe()?;
        let (recv_r, recv_w) = pipe()?;
        let (send_rc, recv_rc, pumped) = std::thread::scope(|s| {
            let sender = s.spawn(move || {
                // SAFETY: valid C strings; the fd stays open until send_w drops after the call.
                let rc = unsafe { send(source.as_ptr(), std::ptr::null(), send_w.as_raw_fd(), flags) };
                drop(send_w);
                rc
            });
            let receiver = s.spawn(move || {
                // SAFETY: valid C string; no props, no origin; raw iff the send was raw.
                let rc = unsafe { recv(target_snap.as_ptr(), std::ptr::null_mut(), std::ptr::null(), 0, c_int::from(sr.raw), recv_r.as_raw_fd()) };
                drop(recv_r);
                rc
            });
            let pumped = pump(std::fs::File::from(send_r), std::fs::File::from(recv_w), sr.rate_limit, &sr.estimated_bytes, progress, cancel);
            (sender.join().unwrap_or(libc::EIO), receiver.join().unwrap_or(libc::EIO), pumped)
        });
        let call = format!("lzc_send({}{}) | lzc_receive({}@{snap_name})", sr.snapshot, if sr.raw { ", raw" } else { "" }, sr.target);
        // A cancel closes the pipes, which the send and the receive then fail on: the cancel is
        // the cause, and the error the caller sees.
        if let Err(e @ Error::Cancelled { .. }) = pumped {
            return Err(e);
        }
        if recv_rc != 0 {
            return Err(errno_error(call, recv_rc));
        }
        if send_rc != 0 {
            return Err(errno_error(call, send_rc));
        }
        let bytes = pumped?;
        for (k, v) in &sr.receive_properties {
            self.cli.set(&sr.target, k, v)?;
        }
        Ok(bytes)
    }

    fn send_size(&self, sr: &SendReceive) -> Result<u64> {
        self.cli.send_size(sr)
    }

    fn resume_info(&self, token: &str) -> Result<(String, u64)> {
        self.cli.resume_info(token)
    }

    fn abort_receive(&self, dataset: &str) -> Result<()> {
        self.cli.abort_receive(dataset)
    }

    fn local_properties(&self, dataset: &str) -> Result<BTreeMap<String, String>> {
        self.cli.local_properties(dataset)
    }

    fn sync_pool(&self, pool: &str) -> Result<()> {
        self.cli.sync_pool(pool)
    }

    fn clone_snapshot(&self, snapshot: &str, target: &str) -> Result<()> {
        let f: Symbol<unsafe extern "C" fn(*const c_char, *const c_char, *mut Nvlist) -> c_int> = self.sym(b"lzc_clone\0")?;
        let (t, o) = (cstr(target)?, cstr(snapshot)?);
        // SAFETY: valid C strings, no props.
        let rc = unsafe { f(t.as_ptr(), o.as_ptr(), std::ptr::null_mut()) };
        if rc != 0 { Err(errno_error(format!("lzc_clone({target}, {snapshot})"), rc)) } else { Ok(()) }
    }

    fn destroy(&self, name: &str) -> Result<()> {
        if name.contains('@') {
            let snaps = self.nvlist()?;
            self.add_boolean(&snaps, name)?;
            let f: Symbol<unsafe extern "C" fn(*mut Nvlist, c_int, *mut *mut Nvlist) -> c_int> = self.sym(b"lzc_destroy_snaps\0")?;
            let mut errlist = std::ptr::null_mut();
            // SAFETY: valid nvlist; errlist freed.
            let rc = unsafe { f(snaps.ptr, 0, &mut errlist) };
            self.free_errlist(errlist);
            return if rc != 0 { Err(errno_error(format!("lzc_destroy_snaps({name})"), rc)) } else { Ok(()) };
        }
        // Datasets: zvol minors are removed by the zfs command's libzfs, not by lzc_destroy.
        self.cli.destroy(name)
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.cli.rename(from, to)
    }

    fn set(&self, dataset: &str, property: &str, value: &str) -> Result<()> {
        self.cli.set(dataset, property, value)
    }

    fn inherit(&self, dataset: &str, property: &str) -> Result<()> {
        self.cli.inherit(dataset, property)
    }

    fn source_of(&self, dataset: &str, property: &str) -> Result<String> {
        self.cli.source_of(dataset, property)
    }

    fn get_many(&self, names: &[&str], properties: &[&str]) -> Result<super::Described> {
        self.cli.get_many(names, properties)
    }

    fn get(&self, dataset: &str, properties: &[&str]) -> Result<BTreeMap<String, String>> {
        self.cli.get(dataset, properties)
    }

    fn exists(&self, name: &str) -> Result<bool> {
        let f: Symbol<unsafe extern "C" fn(*const c_char) -> c_int> = self.sym(b"lzc_exists\0")?;
        let n = cstr(name)?;
        // SAFETY: valid C string.
        Ok(unsafe { f(n.as_ptr()) } != 0)
    }

    fn dependents(&self, dataset: &str) -> Result<Vec<String>> {
        self.cli.dependents(dataset)
    }

    fn load_key(&self, dataset: &str) -> Result<()> {
        self.cli.load_key(dataset)
    }

    fn version(&self) -> Result<String> {
        self.cli.version()
    }
}
