package io.volclone;

import java.util.List;
import java.util.Map;

/** What a block copy did. */
public record CopyReport(long bytesTotal, long bytesRead, long bytesWritten, long bytesZero, long bytesHole,
                         double seconds, double mibPerSec, String zeroMethod, boolean direct, boolean fsynced,
                         boolean verified, List<String> notes) {
    static CopyReport fromJson(String json) throws VolcloneException {
        Map<String, Object> m = Json.object(Json.parse(json));
        Object v = m.get("verify");
        boolean verified = v != null && Boolean.TRUE.equals(Json.object(v).get("matched"));
        return new CopyReport((Long) m.get("bytes_total"), (Long) m.get("bytes_read"), (Long) m.get("bytes_written"),
            (Long) m.get("bytes_zero"), (Long) m.get("bytes_hole"), num(m.get("seconds")), num(m.get("mib_per_sec")),
            (String) m.get("zero_method"), (Boolean) m.get("direct"), (Boolean) m.get("fsynced"), verified,
            Json.list(m.get("notes")).stream().map(String.class::cast).toList());
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }
}
