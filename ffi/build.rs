//! Gives the shared library a SONAME, so installed programs link against `libvolclone.so.0`.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvolclone.so.0");
}
