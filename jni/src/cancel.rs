//! Cancel handles for Java: `long` ids in a registry, so a stale, freed or made-up handle
//! throws instead of touching freed memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use jni::EnvUnowned;
use jni::objects::JClass;
use jni::sys::jlong;
use volclone_core::copy::CancelToken;

use crate::error::{JResult, JavaError, run};

fn registry() -> &'static Mutex<HashMap<jlong, Arc<CancelToken>>> {
    static REG: OnceLock<Mutex<HashMap<jlong, Arc<CancelToken>>>> = OnceLock::new();
    REG.get_or_init(Default::default)
}

/// The token behind a live handle.
pub(super) fn lookup(handle: jlong) -> JResult<Arc<CancelToken>> {
    registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&handle)
        .cloned()
        .ok_or_else(|| JavaError::IllegalArgument(format!("cancel handle {handle} is not live (closed, or never made)")))
}

/// The token an operation uses: the handle's, or a fresh one of its own when `handle` is 0.
pub(super) fn for_operation(handle: jlong) -> JResult<Arc<CancelToken>> {
    if handle == 0 { Ok(Arc::default()) } else { lookup(handle) }
}

/// `static native long cancelNew()`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_cancelNew<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>) -> jlong {
    static NEXT: AtomicI64 = AtomicI64::new(1);
    run(&mut env, |_| {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        registry().lock().unwrap_or_else(|p| p.into_inner()).insert(id, Arc::new(CancelToken::new()));
        Ok(id)
    })
}

/// `static native void cancelTrigger(long handle)`: thread-safe.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_cancelTrigger<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>, handle: jlong) {
    run(&mut env, |_| {
        lookup(handle)?.cancel();
        Ok(())
    })
}

/// `static native void cancelReset(long handle)`: re-arms a triggered handle.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_cancelReset<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>, handle: jlong) {
    run(&mut env, |_env| {
        lookup(handle)?.reset();
        Ok(())
    })
}

/// `static native void cancelFree(long handle)`: a copy still using it keeps its own reference.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_cancelFree<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>, handle: jlong) {
    run(&mut env, |_| {
        registry().lock().unwrap_or_else(|p| p.into_inner()).remove(&handle);
        Ok(())
    })
}
