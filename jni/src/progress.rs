//! A Java `ProgressListener` as the core's progress sink. Every call comes from the one
//! `volclone-report` thread of the operation ([`on_reporter_thread`]), attached to the JVM
//! once, under that name, and detached when the operation ends. A listener that throws while
//! the operation runs cancels it (its exception becomes the cause of the `VolcloneException`,
//! status CANCELLED); one that throws on an update after the operation finished changes nothing.

use std::sync::{Arc, Mutex};

use jni::objects::{JObject, JThrowable};
use jni::refs::Global;
use jni::{AttachConfig, Env, JValue, JavaVM, jni_sig, jni_str};
use volclone_core::copy::{self, CancelToken, Progress, ProgressUpdate, on_reporter_thread};

use crate::error::{JResult, JavaError};
use volclone_embed::volclone_status;

struct JavaListener {
    vm: JavaVM,
    listener: Global<JObject<'static>>,
    cancel: Arc<CancelToken>,
    thrown: Mutex<Option<Global<JThrowable<'static>>>>,
}

impl JavaListener {
    fn call(&self, u: &ProgressUpdate) -> jni::errors::Result<()> {
        // A permanent attachment of the reporter thread: the first update attaches it, the
        // thread's end detaches it.
        self.vm.attach_current_thread_with_config(|| AttachConfig::new().thread_name(jni_str!("volclone-report")), Some(16), |env| -> jni::errors::Result<()> {
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
            return; // it threw once: the operation is being cancelled
        }
        if let Err(e) = self.call(u) {
            tracing::warn!("progress listener call failed: {e}; cancelling");
            self.cancel.cancel();
        }
    }
}

/// Runs `f` with `listener` (may be null) as its progress sink; a failure while the listener
/// had thrown becomes CANCELLED with the listener's exception as the cause.
pub(super) fn with_listener<T>(
    env: &mut Env<'_>,
    listener: &JObject<'_>,
    cancel: &Arc<CancelToken>,
    f: impl FnOnce(&dyn Progress) -> volclone_core::error::Result<T>,
) -> JResult<T> {
    if listener.is_null() {
        return Ok(f(&copy::NoProgress)?);
    }
    let sink = JavaListener { vm: env.get_java_vm()?, listener: env.new_global_ref(listener)?, cancel: cancel.clone(), thrown: Mutex::new(None) };
    let r = on_reporter_thread(&sink, f);
    if let (Err(e), Some(cause)) = (&r, sink.thrown.into_inner().unwrap_or_else(|p| p.into_inner())) {
        return Err(JavaError::Status(volclone_status::Cancelled, format!("{e}: the progress listener threw"), Some(cause)));
    }
    Ok(r?)
}
