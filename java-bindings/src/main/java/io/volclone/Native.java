package io.volclone;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The native methods in libvolclone_jni (the JNI library built from the same sources as the C
 * library, which exports only the C API), loaded once. Where from is decided by system
 * properties:
 * <ul>
 *   <li>{@code volclone.library.path}: this file, and nothing else;</li>
 *   <li>{@code volclone.library.source}: {@code auto} (default: {@code libvolclone_jni.so} on
 *       {@code java.library.path}, such as the Debian package's JNI directory, then the copy
 *       this jar carries), {@code system} (only {@code java.library.path}), or {@code bundled}
 *       (only the jar's copy);</li>
 *   <li>{@code volclone.library.extractDir}: where the jar's copy is extracted (default
 *       {@code java.io.tmpdir}); it is deleted right after it is loaded (the process keeps its
 *       mapping), so nothing of volclone's stays there, whatever way the JVM ends.</li>
 * </ul>
 * The library's version must be this jar's. Loading never throws: a failure is kept, names
 * everything that was tried, and every operation then throws {@link VolcloneException} with
 * status {@code LIBRARY_UNAVAILABLE} ({@link ClonePlanner#libraryAvailable()} asks first).
 */
final class Native {
    /** System property with an explicit path to libvolclone_jni.so. */
    static final String PATH_PROPERTY = "volclone.library.path";
    /** System property choosing where the library comes from: auto, system or bundled. */
    static final String SOURCE_PROPERTY = "volclone.library.source";
    /** System property naming the directory the jar's copy is extracted to. */
    static final String EXTRACT_PROPERTY = "volclone.library.extractDir";
    /** The library version these classes are made for (the crate's and the jar's version). */
    static final String EXPECTED_VERSION = "0.1.1";
    /** Where the jar carries the library. */
    static final String BUNDLED = "/io/volclone/native/linux-x86_64/libvolclone_jni.so";
    /** What the library was loaded from (the successful attempt's description), or null. */
    static final String LOADED_FROM;
    /** Why the library is not usable, or null when it is. */
    static final String LOAD_ERROR;

    static {
        List<String> tried = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        String source = System.getProperty(SOURCE_PROPERTY, "auto").toLowerCase(Locale.ROOT);
        boolean loaded = false;
        String error = null;
        if (explicit != null && !explicit.isEmpty()) {
            loaded = attempt(tried, PATH_PROPERTY + "=" + explicit, () -> System.load(new File(explicit).getAbsolutePath()));
        } else if (!List.of("auto", "system", "bundled").contains(source)) {
            error = SOURCE_PROPERTY + "=" + source + ": give auto, system or bundled";
        } else {
            if (!source.equals("bundled")) {
                loaded = attempt(tried, "libvolclone_jni.so in java.library.path=" + System.getProperty("java.library.path"),
                    () -> System.loadLibrary("volclone_jni"));
            }
            if (!loaded && !source.equals("system")) {
                loaded = attempt(tried, "the copy in the jar (" + BUNDLED + ")", Native::loadBundled);
            }
        }
        if (!loaded && error == null) {
            error = "cannot load libvolclone_jni: tried " + String.join("; ", tried) + " (set -D" + PATH_PROPERTY
                + "=/path/to/libvolclone_jni.so to load a file directly, or -D" + SOURCE_PROPERTY + "=system|bundled)";
        }
        String from = loaded ? tried.get(tried.size() - 1) : null;
        if (loaded) {
            String have;
            try {
                have = version();
            } catch (UnsatisfiedLinkError e) {
                have = "(not a volclone JNI library: " + e.getMessage() + ")";
            }
            if (!EXPECTED_VERSION.equals(have)) {
                error = "libvolclone_jni " + have + " was loaded (" + from + "), but these classes are for " + EXPECTED_VERSION
                    + ": use the jar and library of one release";
            } else {
                initLogging(Log.maxLevel());
            }
        }
        LOADED_FROM = error == null ? from : null;
        LOAD_ERROR = error;
    }

    private static boolean attempt(List<String> tried, String what, Runnable load) {
        try {
            load.run();
            tried.add(what);
            return true;
        } catch (UnsatisfiedLinkError | IllegalStateException | SecurityException e) {
            tried.add(what + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Extracts the bundled library into a new private directory, loads it, and deletes both at
     * once: the loaded code stays mapped, and nothing is left behind.
     */
    private static void loadBundled() {
        String base = System.getProperty(EXTRACT_PROPERTY, System.getProperty("java.io.tmpdir"));
        Path dir = null;
        Path lib = null;
        try (InputStream in = Native.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("not in this jar (a build without the native library)");
            }
            dir = Files.createTempDirectory(Path.of(base), "volclone-native");
            lib = dir.resolve("libvolclone_jni.so");
            Files.copy(in, lib);
            System.load(lib.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new IllegalStateException("extracting it into " + base + " failed: " + e.getMessage()
                + " (set -D" + EXTRACT_PROPERTY + "=DIR to a writable directory)", e);
        } catch (UnsatisfiedLinkError e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("failed to map segment") || m.contains("operation not permitted")) {
                throw new IllegalStateException(base + " does not allow running code (mounted noexec?): " + m
                    + "; set -D" + EXTRACT_PROPERTY + "=DIR to a directory that does, or install the Debian package and set -D"
                    + SOURCE_PROPERTY + "=system", e);
            }
            throw e;
        } finally {
            deleteQuietly(lib);
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // Left for the operating system's temporary-file cleanup; the message says where.
                System.getLogger("io.volclone").log(System.Logger.Level.WARNING, "could not delete " + p + ": " + e.getMessage());
            }
        }
    }

    /** Throws LIBRARY_UNAVAILABLE when the library could not be loaded. */
    static void require() throws VolcloneException {
        if (LOAD_ERROR != null) {
            throw new VolcloneException(VolcloneException.Status.LIBRARY_UNAVAILABLE.code(), LOAD_ERROR, null);
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
}
