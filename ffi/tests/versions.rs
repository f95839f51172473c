//! The C header and the Java side name the same version as the crate: the header's
//! `VOLCLONE_VERSION_*` macros, the pom's, and the version the loader requires of the native
//! library.

use std::path::Path;

#[test]
fn java_versions_are_the_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let v = env!("CARGO_PKG_VERSION");
    let pom = std::fs::read_to_string(root.join("java-bindings/pom.xml")).unwrap();
    assert!(pom.contains(&format!("<artifactId>volclone</artifactId>\n  <version>{v}</version>")), "pom.xml is not version {v}");
    let native = std::fs::read_to_string(root.join("java-bindings/src/main/java/io/volclone/Native.java")).unwrap();
    assert!(native.contains(&format!("EXPECTED_VERSION = \"{v}\"")), "Native.EXPECTED_VERSION is not {v}");
}

#[test]
fn the_headers_version_macros_are_the_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let parts = [env!("CARGO_PKG_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MINOR"), env!("CARGO_PKG_VERSION_PATCH")];
    for file in ["include/volclone.h", "ffi/cbindgen.toml"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (name, v) in ["MAJOR", "MINOR", "PATCH"].iter().zip(parts) {
            let line = format!("#define VOLCLONE_VERSION_{name} {v}\n");
            assert!(text.contains(&line), "{file} lacks {line:?}: set it to the crate's version");
        }
    }
}
