package io.volclone;

/** Zero handling of a block copy. */
public enum SparseMode {
    /** Zero runs are not written; the target is made to read zeros there by the cheapest sure means. */
    AUTO,
    /** Zero runs are skipped: the caller guarantees the target reads zeros (a fresh thin volume). */
    ALWAYS,
    /** Every zero is written (thick targets, LUKS). */
    NEVER
}
