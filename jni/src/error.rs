//! Error → exception mapping, and the helper every native body runs in.

use jni::errors::ErrorPolicy;
use jni::objects::{JObject, JString, JThrowable};
use jni::refs::Global;
use jni::{Env, EnvUnowned, JValue, jni_sig, jni_str};

use volclone_embed::volclone_status;

/// What a native body can fail with.
pub enum JavaError {
    /// A volclone error: `VolcloneException` with its status.
    Core(volclone_core::Error),
    /// A status with a message (e.g. cancelled because the listener threw), with a cause.
    Status(volclone_status, String, Option<Global<JThrowable<'static>>>),
    /// A null argument: `NullPointerException`.
    Null(&'static str),
    /// A programming error (stale handle, malformed options from the bindings):
    /// `IllegalArgumentException`.
    IllegalArgument(String),
    /// A JNI failure; an exception may already be pending.
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for JavaError {
    fn from(e: jni::errors::Error) -> Self {
        JavaError::Jni(e)
    }
}

impl From<volclone_core::Error> for JavaError {
    fn from(e: volclone_core::Error) -> Self {
        JavaError::Core(e)
    }
}

/// What a native body returns.
pub type JResult<T> = Result<T, JavaError>;

fn throw_volclone(env: &mut Env<'_>, status: volclone_status, msg: &str, cause: Option<&JObject<'_>>) -> jni::errors::Result<()> {
    let jmsg = env.new_string(msg)?;
    let null = JObject::null();
    let cause = cause.unwrap_or(&null);
    let ex = env.new_object(
        jni_str!("io/volclone/VolcloneException"),
        jni_sig!("(ILjava/lang/String;Ljava/lang/Throwable;)V"),
        &[JValue::Int(status as i32), JValue::Object(&jmsg), JValue::Object(cause)],
    )?;
    let ex = env.cast_local::<JThrowable>(ex)?;
    env.throw(ex)
}

/// The policy: throw the mapped exception, return `T::default()`.
pub(super) struct Throw;

impl<T: Default> ErrorPolicy<T, JavaError> for Throw {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'l: 'n, 'n>(env: &mut Env<'l>, _: &mut (), err: JavaError) -> jni::errors::Result<T> {
        match err {
            JavaError::Core(e) => throw_volclone(env, e.kind().into(), &e.to_string(), None)?,
            JavaError::Status(status, msg, cause) => throw_volclone(env, status, &msg, cause.as_deref().map(|c| c.as_ref()))?,
            JavaError::Null(what) => env.throw_new(
                jni_str!("java/lang/NullPointerException"),
                jni::strings::JNIString::from(format!("{what} is null")),
            )?,
            // Programming errors (a stale handle, options the bindings serialized wrong): an
            // unchecked exception, also from natives that declare no VolcloneException.
            JavaError::IllegalArgument(msg) => {
                env.throw_new(jni_str!("java/lang/IllegalArgumentException"), jni::strings::JNIString::from(msg))?
            }
            JavaError::Jni(jni::errors::Error::JavaException) => {} // already pending
            JavaError::Jni(e) => env.throw_new(
                jni_str!("java/lang/IllegalStateException"),
                jni::strings::JNIString::from(format!("volclone JNI failure: {e}")),
            )?,
        }
        Ok(T::default())
    }

    fn on_panic<'l: 'n, 'n>(env: &mut Env<'l>, _: &mut (), payload: Box<dyn std::any::Any + Send + 'static>) -> jni::errors::Result<T> {
        let msg = volclone_core::error::panic_text(&*payload);
        env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            jni::strings::JNIString::from(format!("volclone panicked (a bug, please report): {msg}")),
        )?;
        Ok(T::default())
    }
}

/// Runs a native body: errors and panics become Java exceptions.
pub fn run<'l, T: Default>(env: &mut EnvUnowned<'l>, f: impl FnOnce(&mut Env<'l>) -> JResult<T>) -> T {
    env.with_env(f).resolve::<Throw>()
}

/// A Java string argument as a Rust string; null is a `NullPointerException`.
pub(super) fn string_arg(env: &Env<'_>, s: &JString<'_>, name: &'static str) -> JResult<String> {
    if s.is_null() {
        return Err(JavaError::Null(name));
    }
    Ok(s.try_to_string(env)?)
}

/// A Rust string as a Java string, returned as an object.
pub(super) fn new_string<'l>(env: &mut Env<'l>, s: &str) -> JResult<JObject<'l>> {
    Ok(env.new_string(s)?.into())
}
