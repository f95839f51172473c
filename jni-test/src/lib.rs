//! libvolclone_jni_test: natives the Java tests need and the shipped library must not carry.
//! `io.volclone.NativeTest.testPanic()` panics inside the very boundary every shipped native runs
//! in: `jni/src/error.rs`, compiled into this library from the same file (so the test library
//! exports only its own native, and no second copy of `io.volclone.Native`'s).
#![allow(dead_code, missing_docs)]

#[path = "../../jni/src/error.rs"]
mod error;

use jni::EnvUnowned;
use jni::objects::JClass;

/// `static native void testPanic()`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_NativeTest_testPanic<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>) {
    error::run(&mut env, |_env| -> error::JResult<()> { panic!("test panic from NativeTest.testPanic") })
}
