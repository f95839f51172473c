package io.volclone;

import java.util.Objects;

/** Plans clones through libvolclone. Thread-safe; no state. */
public final class ClonePlanner {
    private ClonePlanner() {}

    /**
     * Plans a clone. A plan with no usable strategy is returned, not thrown: its
     * {@link ClonePlan#chosen()} is empty and {@link ClonePlan#rejected()} says why.
     *
     * @throws VolcloneException INVALID_REQUEST when the facts are inconsistent (the message names the field)
     */
    public static ClonePlan plan(CloneRequest request) throws VolcloneException {
        return planJson(Objects.requireNonNull(request, "request").toJson());
    }

    /** Plans from a request already in JSON. */
    public static ClonePlan planJson(String requestJson) throws VolcloneException {
        Native.require();
        return ClonePlan.fromJson(Native.planJson(requestJson));
    }

    /**
     * The native library's version.
     *
     * @throws IllegalStateException when the library is not available ({@link #libraryError()} says why)
     */
    public static String libraryVersion() {
        if (Native.LOAD_ERROR != null) {
            throw new IllegalStateException(Native.LOAD_ERROR);
        }
        return Native.version();
    }

    /**
     * Where the native library was loaded from, as the loader tried it: the {@code
     * volclone.library.path} file, {@code java.library.path}, or the copy in the jar; null when it
     * is not available.
     */
    public static String librarySource() {
        return Native.LOADED_FROM;
    }

    /**
     * Whether the native library is loaded and usable. Never throws (no {@link LinkageError}
     * either): a LINSTOR fork asks this once and falls back to its stock clone path when false.
     */
    public static boolean libraryAvailable() {
        return Native.LOAD_ERROR == null;
    }

    /** Why the native library is not usable (everything that was tried), or empty when it is. */
    public static java.util.Optional<String> libraryError() {
        return java.util.Optional.ofNullable(Native.LOAD_ERROR);
    }
}
