package io.volclone;

/** How a block copy opens its two sides. */
public enum IoMode {
    /** O_DIRECT onto block devices, buffered I/O onto files. */
    AUTO,
    /** O_DIRECT on both sides (buffered, with a note in the report, where refused). */
    DIRECT,
    /** Buffered I/O on both sides. */
    BUFFERED
}
