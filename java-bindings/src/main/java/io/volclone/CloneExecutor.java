package io.volclone;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Plans a clone and runs the chosen strategy for real, in this process: ZFS send/receive, raw
 * send and clone through the {@code zfs} command, LVM thin snapshots through the {@code lvm}
 * commands, and block copies in the library. The same executor as {@code volclone run}.
 * Thread-safe: clones of different targets may run at once.
 */
public final class CloneExecutor {
    private CloneExecutor() {}

    /**
     * What a clone did: the strategy, the commands run (shell-quoted), bytes moved, wall time.
     *
     * @param skipped steps an interrupted earlier run of the same clone had finished (not run again)
     * @param bytesSaved bytes of a send stream not sent again (an interrupted receive resumed)
     * @param alreadyComplete the target was the finished clone already: nothing ran
     * @param bytesResumed bytes of a block copy an interrupted earlier run onto these very objects
     *        had made durable (re-checked in part, not copied again)
     * @param resumeRefused why a block copy's checkpoint was set aside (the target or source was
     *        made again under its name, or a re-checked sample differed); null when none was
     */
    public record Report(CloneStrategy strategy, List<String> steps, long bytes, double seconds, List<String> skipped,
                         long bytesSaved, boolean alreadyComplete, long bytesResumed, String resumeRefused) {
        /** The report as 0.1.0 made it. */
        public Report(CloneStrategy strategy, List<String> steps, long bytes, double seconds) {
            this(strategy, steps, bytes, seconds, List.of(), 0, false, 0, null);
        }

        static Report fromJson(String json) throws VolcloneException {
            Map<String, Object> m = Json.object(Json.parse(json));
            return new Report(CloneStrategy.fromName((String) m.get("strategy")),
                Json.list(m.get("steps")).stream().map(String.class::cast).toList(),
                (Long) m.get("bytes"), ((Number) m.get("seconds")).doubleValue(),
                m.get("skipped") == null ? List.of() : Json.list(m.get("skipped")).stream().map(String.class::cast).toList(),
                m.get("bytes_saved") instanceof Long l ? l : 0L, Boolean.TRUE.equals(m.get("already_complete")),
                m.get("bytes_resumed") instanceof Long r ? r : 0L, (String) m.get("resume_refused"));
        }
    }

    /**
     * Plans {@code request} and runs the chosen strategy.
     *
     * @param copyOptions options of a block copy (null: the defaults; its zero handling comes
     *        from the plan)
     * @param rateLimit bytes per second at most for whatever the strategy moves, a send stream or a
     *        block copy (a rate set in {@code copyOptions} wins for a block copy); 0 for none
     * @param listener progress (phase {@code send}, {@code copy} or {@code verify}, with a total
     *        for every strategy), from one named thread {@code volclone-report}; null for none
     * @param cancel stops the clone and undoes what it made (null for none)
     * @throws VolcloneException NO_STRATEGY (the message says why each was rejected),
     *         INVALID_REQUEST, COMMAND_FAILED (command, status, stderr), IO, CANCELLED, and the
     *         block copy's refusals, LIBRARY_UNAVAILABLE
     */
    public static Report execute(CloneRequest request, CopyOptions copyOptions, long rateLimit, ProgressListener listener,
                                 CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(request, "request");
        return executeJson(request.toJson(), copyOptions, rateLimit, listener, cancel);
    }

    /**
     * The same from a request already in JSON (request format version 1, as
     * {@link ClonePlanner#planJson} reads it).
     *
     * @throws VolcloneException as {@link #execute}; INVALID_REQUEST naming the field for a bad request
     */
    public static Report executeJson(String requestJson, CopyOptions copyOptions, long rateLimit, ProgressListener listener,
                                     CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(requestJson, "requestJson");
        CopyOptions copy = copyOptions == null ? CopyOptions.defaults() : copyOptions;
        if (rateLimit < 0) {
            throw new VolcloneException(VolcloneException.Status.INVALID_ARGUMENT.code(), "rateLimit is " + rateLimit + ": give 0 (none) or bytes per second", null);
        }
        Native.require();
        String options = "{\"copy\": " + copy.toJson() + ", \"rate_limit\": " + (rateLimit == 0 ? "null" : Long.toString(rateLimit)) + "}";
        long handle = cancel == null ? 0 : cancel.enter();
        try {
            return Report.fromJson(Native.execute(requestJson, options, listener, handle));
        } finally {
            if (cancel != null) {
                cancel.exit();
            }
            java.lang.ref.Reference.reachabilityFence(cancel);
        }
    }
}
