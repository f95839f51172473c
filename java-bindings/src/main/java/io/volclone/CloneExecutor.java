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

    /** What a clone did: the strategy, the commands run (shell-quoted), bytes moved, wall time. */
    public record Report(CloneStrategy strategy, List<String> steps, long bytes, double seconds) {
        static Report fromJson(String json) throws VolcloneException {
            Map<String, Object> m = Json.object(Json.parse(json));
            return new Report(CloneStrategy.fromName((String) m.get("strategy")),
                Json.list(m.get("steps")).stream().map(String.class::cast).toList(),
                (Long) m.get("bytes"), ((Number) m.get("seconds")).doubleValue());
        }
    }

    /**
     * Plans {@code request} and runs the chosen strategy.
     *
     * @param copyOptions options of a block copy (null: the defaults; its zero handling comes
     *        from the plan)
     * @param rateLimit bytes per second at most for a send stream or block copy; 0 for none
     * @param listener progress (phase {@code send}, {@code copy} or {@code verify}, with a total
     *        for every strategy), from one named thread {@code volclone-report}; null for none
     * @param cancel stops the clone and undoes what it made (null for none)
     * @throws VolcloneException NO_STRATEGY (the message says why each was rejected),
     *         INVALID_REQUEST, COMMAND_FAILED (command, status, stderr), IO, CANCELLED, and the
     *         block copy's refusals
     */
    public static Report execute(CloneRequest request, CopyOptions copyOptions, long rateLimit, ProgressListener listener,
                                 CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(request, "request");
        CopyOptions copy = copyOptions == null ? CopyOptions.defaults() : copyOptions;
        if (rateLimit < 0) {
            throw new VolcloneException(VolcloneException.Status.INVALID_ARGUMENT.code(), "rateLimit is " + rateLimit + ": give 0 (none) or bytes per second", null);
        }
        String options = "{\"copy\": " + copy.toJson() + ", \"rate_limit\": " + (rateLimit == 0 ? "null" : Long.toString(rateLimit)) + "}";
        long handle = cancel == null ? 0 : cancel.live();
        try {
            return Report.fromJson(Native.execute(request.toJson(), options, listener, handle));
        } finally {
            java.lang.ref.Reference.reachabilityFence(cancel);
        }
    }
}
