package io.volclone;

/** The clone strategies, with LINSTOR's priorities (lowest wins) and names. */
public enum CloneStrategy {
    /** Thin snapshot of the source LV (same thin pool). */
    LVM_THIN_CLONE(0, false, "LVM_THIN_CLONE"),
    /** {@code zfs clone} (same pool, with use-zfs-clone). */
    ZFS_CLONE(0, false, "ZFS_CLONE"),
    /** {@code zfs send | zfs receive}, re-encrypted under the target's key. */
    ZFS_COPY(10, true, "ZFS_COPY"),
    /** {@code zfs send -w}: ciphertext as is, the target keeps the source's key. */
    ZFS_RAW_COPY(11, true, "ZFS_RAW_COPY"),
    /** volclone's parallel block copy, in LINSTOR's {@code DD} slot. */
    BLOCK_COPY(90, true, "DD");

    private final int priority;
    private final boolean needsOpenDevices;
    private final String linstorName;

    CloneStrategy(int priority, boolean needsOpenDevices, String linstorName) {
        this.priority = priority;
        this.needsOpenDevices = needsOpenDevices;
        this.linstorName = linstorName;
    }

    /** LINSTOR's priority number. */
    public int priority() {
        return priority;
    }

    /** Whether both devices must be open before the clone runs. */
    public boolean needsOpenDevices() {
        return needsOpenDevices;
    }

    /**
     * The name in LINSTOR's {@code DeviceHandler.CloneStrategy} enum, one-to-one: {@code DD} for
     * {@code BLOCK_COPY}, {@code ZFS_RAW_COPY} (the one value a fork adds) for itself, the same
     * name for the others. Never a strategy that would run differently.
     */
    public String linstorName() {
        return linstorName;
    }

    /**
     * Parses volclone's names, and {@code DD} for {@link #BLOCK_COPY}.
     *
     * @throws VolcloneException INVALID_ARGUMENT for an unknown name
     */
    public static CloneStrategy fromName(String name) throws VolcloneException {
        if ("DD".equals(name)) {
            return BLOCK_COPY;
        }
        for (CloneStrategy s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new VolcloneException(VolcloneException.Status.INVALID_ARGUMENT.code(),
            "unknown clone strategy " + name + ": give one of LVM_THIN_CLONE, ZFS_CLONE, ZFS_COPY, ZFS_RAW_COPY, BLOCK_COPY (DD)", null);
    }
}
