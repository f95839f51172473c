package io.volclone;

/**
 * Receives progress a few times a second and at the end of each phase. Every call of one
 * operation comes from the same thread, {@code volclone-report}, which the library starts and
 * attaches to the JVM once for that operation and ends before the operation returns (never the
 * caller's thread). A listener that throws while the operation runs cancels it: it then fails
 * with a {@link VolcloneException} (CANCELLED) whose cause is the thrown exception; a throw on an
 * update that arrives after the operation finished changes nothing.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param phase {@code copy}, {@code verify}, or {@code send} (a ZFS stream; its total is ZFS's
     *        estimate until the final update, which gives the bytes sent)
     * @param bytesDone bytes done in this phase
     * @param bytesTotal bytes in all
     * @param bytesPerSecond average rate of the phase
     */
    void onProgress(String phase, long bytesDone, long bytesTotal, double bytesPerSecond);
}
