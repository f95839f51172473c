//! `Native.execute(...)` (plan and run a clone in process) and `Native.zfsFacts(String)`.

use jni::EnvUnowned;
use jni::objects::{JClass, JObject, JString};
use jni::sys::jlong;
use volclone_core::CloneRequest;
use volclone_core::exec::{self, ExecOptions};
use volclone_core::zfs::{ZfsCli, facts};

use crate::error::{new_string, run, string_arg};
use crate::progress::with_listener;

/// `static native String execute(String requestJson, String optionsJson, ProgressListener
/// listener, long cancelHandle) throws VolcloneException`: the report as JSON.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_execute<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    request: JString<'l>,
    options: JString<'l>,
    listener: JObject<'l>,
    cancel_handle: jlong,
) -> JObject<'l> {
    run(&mut env, |env| {
        let req = CloneRequest::from_json(&string_arg(env, &request, "request")?)?;
        let opts = ExecOptions::from_json(&string_arg(env, &options, "options")?)?;
        let cancel = super::cancel::for_operation(cancel_handle)?;
        let report = with_listener(env, &listener, &cancel, |p| exec::plan_and_execute(&req, &opts, p, &cancel))?;
        new_string(env, &serde_json::to_string(&report).unwrap_or_default())
    })
}

/// `static native String zfsFacts(String dataset) throws VolcloneException`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_zfsFacts<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>, dataset: JString<'l>) -> JObject<'l> {
    run(&mut env, |env| {
        let name = string_arg(env, &dataset, "dataset")?;
        let f = facts::dataset_facts(&ZfsCli::default(), &name)?;
        new_string(env, &serde_json::to_string(&f).unwrap_or_default())
    })
}
