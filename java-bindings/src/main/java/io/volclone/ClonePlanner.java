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
        return ClonePlan.fromJson(Native.planJson(requestJson));
    }

    /** The native library's version. */
    public static String libraryVersion() {
        return Native.version();
    }

    /**
     * Where the native library was loaded from, as the loader tried it: the {@code
     * volclone.library.path} file, {@code java.library.path}, or the copy in the jar.
     */
    public static String librarySource() {
        return Native.LOADED_FROM;
    }
}
