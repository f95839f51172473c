//! `Native.copy(...)`: the block copy with a Java progress listener called from the copier's
//! reporter thread. A listener that throws cancels the copy; its exception becomes the cause of
//! the `VolcloneException` (status CANCELLED).

use std::path::Path;
use std::sync::Mutex;

use jni::objects::{JClass, JObject, JString, JThrowable};
use jni::refs::Global;
use jni::sys::jlong;
use jni::{EnvUnowned, JValue, JavaVM, jni_sig, jni_str};
use volclone_core::copy::{self, CancelToken, CopyOptions, Progress, ProgressUpdate};

use super::error::{JavaError, new_string, run, string_arg};
use crate::error::volclone_status;

struct JavaListener {
    vm: JavaVM,
    listener: Global<JObject<'static>>,
    cancel: std::sync::Arc<CancelToken>,
    thrown: Mutex<Option<Global<JThrowable<'static>>>>,
}

impl JavaListener {
    fn call(&self, u: &ProgressUpdate) -> jni::errors::Result<()> {
        self.vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<()> {
            let phase = env.new_string(u.phase)?;
            let result = env.call_method(
                &*self.listener,
                jni_str!("onProgress"),
                jni_sig!("(Ljava/lang/String;JJD)V"),
                &[JValue::Object(&phase), JValue::Long(u.bytes_done as i64), JValue::Long(u.bytes_total as i64), JValue::Double(u.bytes_per_sec)],
            );
            if let Some(ex) = env.exception_occurred() {
                env.exception_clear();
                let global = env.new_global_ref(&ex)?;
                self.thrown.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(global);
                self.cancel.cancel();
                return Ok(());
            }
            result.map(|_| ())
        })
    }
}

impl Progress for JavaListener {
    fn update(&self, u: &ProgressUpdate) {
        if self.thrown.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return; // it threw once: the copy is being cancelled
        }
        if let Err(e) = self.call(u) {
            tracing::warn!("progress listener call failed: {e}; cancelling the copy");
            self.cancel.cancel();
        }
    }
}

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
        let opts_text = string_arg(env, &options_json, "options")?;
        let opts: CopyOptions = serde_json::from_str(&opts_text)
            .map_err(|e| JavaError::IllegalArgument(format!("copy options {opts_text:?}: {e}")))?;
        let cancel = if cancel_handle == 0 { Default::default() } else { super::cancel::lookup(cancel_handle)? };
        let result = if listener.is_null() {
            copy::copy(Path::new(&src), Path::new(&tgt), &opts, &copy::NoProgress, &cancel)
        } else {
            let sink = JavaListener {
                vm: env.get_java_vm()?,
                listener: env.new_global_ref(&listener)?,
                cancel: cancel.clone(),
                thrown: Mutex::new(None),
            };
            let r = copy::copy(Path::new(&src), Path::new(&tgt), &opts, &sink, &cancel);
            if let (Err(e), Some(cause)) = (&r, sink.thrown.into_inner().unwrap_or_else(|p| p.into_inner())) {
                return Err(JavaError::Status(
                    volclone_status::Cancelled,
                    format!("{e}: the progress listener threw"),
                    Some(cause),
                ));
            }
            r
        };
        new_string(env, &serde_json::to_string(&result?).unwrap_or_default())
    })
}
