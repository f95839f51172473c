package io.volclone;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The native methods in libvolclone_jni (the JNI library built from the same sources as the C
 * library, which exports only the C API), loaded once, from the first of: the file in the system
 * property {@code volclone.library.path}; {@code libvolclone_jni.so} on {@code java.library.path};
 * the copy this jar carries for linux-x86_64 ({@code io/volclone/native/linux-x86_64/}),
 * extracted to a temporary file. The library's version must be this jar's; a failure names
 * everything that was tried.
 */
final class Native {
    /** System property with an explicit path to libvolclone_jni.so. */
    static final String PATH_PROPERTY = "volclone.library.path";
    /** The library version these classes are made for (the crate's and the jar's version). */
    static final String EXPECTED_VERSION = "0.1.0";
    /** Where the jar carries the library. */
    static final String BUNDLED = "/io/volclone/native/linux-x86_64/libvolclone_jni.so";
    /** What the library was loaded from (the successful attempt's description). */
    static final String LOADED_FROM;

    static {
        List<String> tried = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        boolean loaded = false;
        if (explicit != null && !explicit.isEmpty()) {
            loaded = attempt(tried, PATH_PROPERTY + "=" + explicit, () -> System.load(new File(explicit).getAbsolutePath()));
        } else {
            loaded = attempt(tried, "libvolclone_jni.so in java.library.path=" + System.getProperty("java.library.path"),
                () -> System.loadLibrary("volclone_jni"));
            if (!loaded) {
                loaded = attempt(tried, "the copy in the jar (" + BUNDLED + ")", Native::loadBundled);
            }
        }
        if (!loaded) {
            throw new UnsatisfiedLinkError("cannot load libvolclone_jni: tried " + String.join("; ", tried)
                + " (set -D" + PATH_PROPERTY + "=/path/to/libvolclone_jni.so to load a file directly)");
        }
        LOADED_FROM = tried.get(tried.size() - 1);
        String have = version();
        if (!EXPECTED_VERSION.equals(have)) {
            throw new UnsatisfiedLinkError("libvolclone_jni " + have + " was loaded (" + LOADED_FROM
                + "), but these classes are for " + EXPECTED_VERSION + ": use the jar and library of one release");
        }
        initLogging(Log.maxLevel());
    }

    private static boolean attempt(List<String> tried, String what, Runnable load) {
        try {
            load.run();
            tried.add(what);
            return true;
        } catch (UnsatisfiedLinkError | IllegalStateException e) {
            tried.add(what + ": " + e.getMessage());
            return false;
        }
    }

    /** Extracts the bundled library to a private temporary file and loads it. */
    private static void loadBundled() {
        try (InputStream in = Native.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("not in this jar (a build without the native library)");
            }
            Path dir = Files.createTempDirectory("volclone-native");
            Path lib = dir.resolve("libvolclone_jni.so");
            Files.copy(in, lib);
            lib.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            System.load(lib.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new IllegalStateException("extracting it failed: " + e.getMessage(), e);
        }
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
