package io.volclone;

import java.util.EnumSet;
import java.util.Set;

/** The caller's choices for a plan. Immutable; made with {@link #builder()}. */
public final class PlanOptions {
    private final boolean useZfsClone;
    private final boolean allowDecrypt;
    private final Set<CloneStrategy> forbid;
    private final String zfsVersion;
    private final boolean linstorStock;

    private PlanOptions(Builder b) {
        useZfsClone = b.useZfsClone;
        allowDecrypt = b.allowDecrypt;
        forbid = Set.copyOf(b.forbid);
        zfsVersion = b.zfsVersion;
        linstorStock = b.linstorStock;
    }

    /** The defaults. */
    public static PlanOptions defaults() {
        return builder().build();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    String toJson() {
        StringBuilder s = new StringBuilder("{\"use_zfs_clone\": ").append(useZfsClone)
            .append(", \"allow_decrypt\": ").append(allowDecrypt).append(", \"forbid\": [");
        int i = 0;
        for (CloneStrategy f : CloneStrategy.values()) {
            if (forbid.contains(f)) {
                s.append(i++ > 0 ? ", " : "").append(Json.quote(f.name()));
            }
        }
        s.append("]");
        if (zfsVersion != null) {
            s.append(", \"zfs_version\": ").append(Json.quote(zfsVersion));
        }
        return s.append(", \"linstor_stock\": ").append(linstorStock).append('}').toString();
    }

    /** Builds {@link PlanOptions}. */
    public static final class Builder {
        private boolean useZfsClone;
        private boolean allowDecrypt;
        private final Set<CloneStrategy> forbid = EnumSet.noneOf(CloneStrategy.class);
        private String zfsVersion;
        private boolean linstorStock;

        private Builder() {}

        /** Allow ZFS_CLONE (LINSTOR's UseZFSClone). */
        public Builder useZfsClone(boolean v) {
            useZfsClone = v;
            return this;
        }

        /** Allow storing an encrypted source as plaintext. */
        public Builder allowDecrypt(boolean v) {
            allowDecrypt = v;
            return this;
        }

        /** Strategies not to use. */
        public Builder forbid(CloneStrategy... v) {
            forbid.addAll(Set.of(v));
            return this;
        }

        /** The OpenZFS version on the node, e.g. {@code 2.1.11}. */
        public Builder zfsVersion(String v) {
            zfsVersion = v;
            return this;
        }

        /** Reproduce LINSTOR 1.34's stock choice instead of volclone's rules. */
        public Builder linstorStock(boolean v) {
            linstorStock = v;
            return this;
        }

        /** The immutable options. */
        public PlanOptions build() {
            return new PlanOptions(this);
        }
    }
}
