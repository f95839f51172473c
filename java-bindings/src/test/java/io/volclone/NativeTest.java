package io.volclone;

/**
 * Test-only natives, from libvolclone_jni_test (never shipped): loaded from
 * {@code volclone.test.library} when set, else from {@code java.library.path}.
 */
final class NativeTest {
    static {
        String p = System.getProperty("volclone.test.library");
        if (p != null && !p.isEmpty()) {
            System.load(p);
        } else {
            System.loadLibrary("volclone_jni_test");
        }
    }

    private NativeTest() {}

    /** Panics in Rust inside the boundary every shipped native runs in. */
    static native void testPanic();
}
