package io.volclone;

import java.io.File;

/**
 * The native methods of libvolclone, loaded once: from the path in the system property
 * {@code volclone.library.path} if set, else {@code System.loadLibrary("volclone")} from
 * {@code java.library.path}. A failure names everything that was tried.
 */
final class Native {
    /** System property with an explicit path to libvolclone.so. */
    static final String PATH_PROPERTY = "volclone.library.path";

    static {
        String explicit = System.getProperty(PATH_PROPERTY);
        try {
            if (explicit != null && !explicit.isEmpty()) {
                System.load(new File(explicit).getAbsolutePath());
            } else {
                System.loadLibrary("volclone");
            }
        } catch (UnsatisfiedLinkError e) {
            String tried = explicit != null && !explicit.isEmpty()
                ? PATH_PROPERTY + "=" + explicit
                : "lib" + "volclone.so in java.library.path=" + System.getProperty("java.library.path")
                    + " (set -D" + PATH_PROPERTY + "=/path/to/libvolclone.so to load a file directly)";
            UnsatisfiedLinkError err = new UnsatisfiedLinkError("cannot load libvolclone: tried " + tried + ": " + e.getMessage());
            err.initCause(e);
            throw err;
        }
        initLogging(Log.maxLevel());
    }

    private Native() {}

    static native String version();

    static native String planJson(String request) throws VolcloneException;

    static native String copy(String source, String target, String optionsJson, ProgressListener listener, long cancelHandle)
        throws VolcloneException;

    static native String execute(String request, String optionsJson, ProgressListener listener, long cancelHandle)
        throws VolcloneException;

    static native String zfsFacts(String dataset) throws VolcloneException;

    /** Routes the library's log events up to {@code maxLevel} (1 error ... 5 trace) to {@link Log}. */
    static native void initLogging(int maxLevel);

    static native long cancelNew();

    static native void cancelReset(long handle);

    static native void cancelTrigger(long handle);

    static native void cancelFree(long handle);

    /** Panics in Rust; for tests of the panic boundary. */
    static native void testPanic();
}
