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
    ZFS_RAW_COPY(11, true, "ZFS_COPY"),
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

    /** The nearest of LINSTOR's four names ({@code BLOCK_COPY} → {@code DD}). */
    public String linstorName() {
        return linstorName;
    }

    /** Parses volclone's names, and {@code DD} for {@link #BLOCK_COPY}. */
    public static CloneStrategy fromName(String name) {
        return "DD".equals(name) ? BLOCK_COPY : valueOf(name);
    }
}
