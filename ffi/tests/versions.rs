//! The Java side names the same version as the crate: the pom's, and the version the loader
//! requires of the native library.

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
