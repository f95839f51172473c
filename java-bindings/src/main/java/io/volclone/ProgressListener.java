package io.volclone;

/**
 * Receives copy progress from a native reporter thread (not the caller's), a few times a second
 * and at the end of each phase. A listener that throws cancels the copy; the copy then fails
 * with a {@link VolcloneException} (CANCELLED) whose cause is the thrown exception.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param phase {@code copy} or {@code verify}
     * @param bytesDone bytes done in this phase
     * @param bytesTotal bytes in all
     * @param bytesPerSecond average rate of the phase
     */
    void onProgress(String phase, long bytesDone, long bytesTotal, double bytesPerSecond);
}
