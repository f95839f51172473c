package io.volclone;

import java.util.List;
import java.util.Map;

/**
 * What a block copy did.
 *
 * @param bytesResumed bytes an interrupted earlier run onto these very objects had made durable
 *        (its checkpoint), re-checked in part and not copied again
 * @param resumeRefused why a checkpoint found for this target was set aside (source or target
 *        is not the object it was written for, or a re-checked sample differed), so the copy
 *        started over; null when there was none or it was used
 */
public record CopyReport(long bytesTotal, long bytesRead, long bytesWritten, long bytesZero, long bytesHole,
                         double seconds, double mibPerSec, String zeroMethod, boolean direct, boolean fsynced,
                         boolean verified, List<String> notes, long bytesResumed, String resumeRefused) {
    /** The report as 0.1.0 made it (nothing resumed, nothing refused). */
    public CopyReport(long bytesTotal, long bytesRead, long bytesWritten, long bytesZero, long bytesHole,
                      double seconds, double mibPerSec, String zeroMethod, boolean direct, boolean fsynced,
                      boolean verified, List<String> notes) {
        this(bytesTotal, bytesRead, bytesWritten, bytesZero, bytesHole, seconds, mibPerSec, zeroMethod, direct, fsynced,
            verified, notes, 0, null);
    }

    static CopyReport fromJson(String json) throws VolcloneException {
        Map<String, Object> m = Json.object(Json.parse(json));
        Object v = m.get("verify");
        boolean verified = v != null && Boolean.TRUE.equals(Json.object(v).get("matched"));
        return new CopyReport((Long) m.get("bytes_total"), (Long) m.get("bytes_read"), (Long) m.get("bytes_written"),
            (Long) m.get("bytes_zero"), (Long) m.get("bytes_hole"), num(m.get("seconds")), num(m.get("mib_per_sec")),
            (String) m.get("zero_method"), (Boolean) m.get("direct"), (Boolean) m.get("fsynced"), verified,
            Json.list(m.get("notes")).stream().map(String.class::cast).toList(),
            m.get("bytes_resumed") instanceof Long l ? l : 0L, (String) m.get("resume_refused"));
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }
}
