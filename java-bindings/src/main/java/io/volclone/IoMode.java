package io.volclone;

/** How a block copy opens its two sides. */
public enum IoMode {
    /**
     * By what the sides are: a pair of regular files (a target the copy creates counts as one)
     * as {@link #STREAMING}, anything with a block device as {@link #DIRECT}. Until 0.2.0,
     * {@link #DIRECT} on every pair.
     */
    AUTO,
    /** O_DIRECT on both sides (buffered, with a note in the report, where refused). */
    DIRECT,
    /** Buffered I/O on both sides. */
    BUFFERED,
    /**
     * Both sides through the page cache, which is left as the copy found it: the source's pages
     * the copy brought in, and the target's pages, are dropped behind it. Since 0.1.1.
     */
    STREAMING
}
