//! A heap buffer aligned for O_DIRECT, allocated once per worker.

use std::alloc::{Layout, alloc_zeroed, dealloc};

use super::options::BLOCK;

/// `len` bytes aligned to [`BLOCK`].
pub(super) struct AlignedBuf {
    ptr: *mut u8,
    layout: Layout,
}

// The buffer owns its memory exclusively, like a Vec<u8>.
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    /// Allocates; an allocation failure is an error, never an abort (inside a JVM the process
    /// is the satellite).
    pub(super) fn new(len: usize) -> std::io::Result<Self> {
        let layout = Layout::from_size_align(len.max(BLOCK), BLOCK).map_err(|_| std::io::ErrorKind::InvalidInput)?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(std::io::Error::new(std::io::ErrorKind::OutOfMemory, format!("{} bytes not available", layout.size())));
        }
        Ok(AlignedBuf { ptr, layout })
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: ptr is valid for layout.size() bytes for the life of self, and &mut self is unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.layout.size()) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in new() with this layout.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}
