//! `Native.version()` and `Native.planJson(String)`.

use jni::EnvUnowned;
use jni::objects::{JClass, JObject, JString};

use crate::error::{new_string, run, string_arg};

/// `static native String version()`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_version<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>) -> JObject<'l> {
    run(&mut env, |env| new_string(env, volclone_core::VERSION))
}

/// `static native String planJson(String request) throws VolcloneException`: the plan as JSON,
/// also when no strategy can be used (its `chosen` is null).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_planJson<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    request: JString<'l>,
) -> JObject<'l> {
    run(&mut env, |env| {
        let text = string_arg(env, &request, "request")?;
        let plan = volclone_core::planner::plan_json(&text)?;
        new_string(env, &plan.to_json())
    })
}
