//! `Native.copy(...)`: the block copy, with progress through [`super::progress`].

use std::path::Path;

use jni::EnvUnowned;
use jni::objects::{JClass, JObject, JString};
use jni::sys::jlong;
use volclone_core::copy::{self, CopyOptions};

use crate::error::{new_string, run, string_arg};
use crate::progress::with_listener;

/// `static native String copy(String source, String target, String optionsJson,
/// ProgressListener listener, long cancelHandle) throws VolcloneException`: the report as JSON.
/// `listener` may be null; `cancelHandle` 0 means none.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_copy<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    source: JString<'l>,
    target: JString<'l>,
    options_json: JString<'l>,
    listener: JObject<'l>,
    cancel_handle: jlong,
) -> JObject<'l> {
    run(&mut env, |env| {
        let src = string_arg(env, &source, "source")?;
        let tgt = string_arg(env, &target, "target")?;
        let opts = CopyOptions::from_json(&string_arg(env, &options_json, "options")?)?;
        let cancel = super::cancel::for_operation(cancel_handle)?;
        let result = with_listener(env, &listener, &cancel, |p| copy::copy(Path::new(&src), Path::new(&tgt), &opts, p, &cancel))?;
        new_string(env, &serde_json::to_string(&result).unwrap_or_default())
    })
}
