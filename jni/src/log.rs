//! The library's log events into the JVM: `io.volclone.Log.log(int, String, String)`, which
//! hands them to `java.lang.System.Logger` (so SLF4J or logback bridges pick them up).

use std::sync::Arc;

use jni::objects::JClass;
use jni::refs::Global;
use jni::sys::jint;
use jni::{EnvUnowned, JValue, JavaVM, jni_sig, jni_str};

use crate::error::run;
use volclone_embed::log::{Host, LogSink, env_level, level_from, set_sink, volclone_log_level};

/// `static native void initLogging(int maxLevel)`: routes events up to `maxLevel` (a
/// `volclone_log_level`; `VOLCLONE_LOG` raises it) to `Log.log`. 0 turns it off.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_volclone_Native_initLogging<'l>(mut env: EnvUnowned<'l>, _class: JClass<'l>, max_level: jint) {
    run(&mut env, |env| -> crate::error::JResult<()> {
        let asked = level_from(max_level.max(0) as u32);
        let max = asked.max(env_level().unwrap_or(volclone_log_level::Off));
        if max == volclone_log_level::Off {
            set_sink(Host::Java, None, max);
            return Ok(());
        }
        // The class is looked up here, on a Java thread: native threads see only the system
        // class loader.
        let class: JClass = env.find_class(jni_str!("io/volclone/Log"))?;
        let class: Global<JClass<'static>> = env.new_global_ref(&class)?;
        let vm: JavaVM = env.get_java_vm()?;
        let sink: LogSink = Arc::new(move |lvl: volclone_log_level, target: &str, msg: &str| {
            let _ = vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<()> {
                let (t, m) = (env.new_string(target)?, env.new_string(msg)?);
                env.call_static_method(
                    &*class,
                    jni_str!("log"),
                    jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
                    &[JValue::Int(lvl as i32), JValue::Object(&t), JValue::Object(&m)],
                )?;
                Ok(())
            });
        });
        set_sink(Host::Java, Some(sink), max);
        Ok(())
    })
}
