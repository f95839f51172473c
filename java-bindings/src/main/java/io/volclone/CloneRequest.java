package io.volclone;

import java.util.Objects;

/** A clone request (format version 1): the facts about both volumes and the options. */
public final class CloneRequest {
    private final VolumeFacts source;
    private final VolumeFacts target;
    private final PlanOptions options;

    /** A request; {@code options} may be null for the defaults. */
    public CloneRequest(VolumeFacts source, VolumeFacts target, PlanOptions options) {
        this.source = Objects.requireNonNull(source, "source");
        this.target = Objects.requireNonNull(target, "target");
        this.options = options == null ? PlanOptions.defaults() : options;
    }

    /** The request in volclone's JSON format. */
    public String toJson() {
        return "{\"version\": 1, \"source\": " + source.toJson() + ", \"target\": " + target.toJson()
            + ", \"options\": " + options.toJson() + "}";
    }
}
