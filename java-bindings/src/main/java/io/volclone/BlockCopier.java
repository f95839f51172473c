package io.volclone;

import java.nio.file.Path;
import java.util.Objects;

/** The parallel block copy (LINSTOR's {@code dd} replacement). Thread-safe; copies may run at once. */
public final class BlockCopier {
    private BlockCopier() {}

    /**
     * Copies {@code source} onto {@code target} (a block device or file at least as large).
     *
     * @param options null for {@link CopyOptions#defaults()}
     * @param listener null for none
     * @param cancel null for none
     * A checkpoint is kept unless {@link CopyOptions.Builder#checkpoint(boolean)} turns it off: a
     * copy cancelled or killed is finished by the same call again, which copies only the rest
     * when source and target are the very same objects ({@link CopyReport#bytesResumed()}), and
     * starts over when either was made again under its name ({@link CopyReport#resumeRefused()}
     * says why).
     *
     * @throws VolcloneException IO, TARGET_TOO_SMALL, SAME_DEVICE, BUSY, CANCELLED, VERIFY_MISMATCH,
     *         INVALID_ARGUMENT for options out of range, LIBRARY_UNAVAILABLE
     */
    public static CopyReport copy(Path source, Path target, CopyOptions options, ProgressListener listener,
                                  CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        CopyOptions opts = options == null ? CopyOptions.defaults() : options;
        Native.require();
        long handle = cancel == null ? 0 : cancel.enter();
        try {
            return CopyReport.fromJson(Native.copy(source.toString(), target.toString(), opts.toJson(), listener, handle));
        } finally {
            if (cancel != null) {
                cancel.exit();
            }
            java.lang.ref.Reference.reachabilityFence(cancel);
        }
    }
}
