package io.volclone;

import java.util.Objects;

/** Options of a block copy. Immutable; {@link #defaults()} or {@link #builder()}. */
public final class CopyOptions {
    private final int workers;
    private final long chunkSize;
    private final SparseMode sparse;
    private final IoMode io;
    private final boolean fsync;
    private final boolean verify;
    private final boolean createTarget;
    private final long rateLimit;
    private final boolean checkpoint;
    private final java.nio.file.Path checkpointDir;

    private CopyOptions(Builder b) {
        workers = b.workers;
        chunkSize = b.chunkSize;
        sparse = Objects.requireNonNull(b.sparse, "sparse");
        io = Objects.requireNonNull(b.io, "io");
        fsync = b.fsync;
        verify = b.verify;
        createTarget = b.createTarget;
        rateLimit = b.rateLimit;
        checkpoint = b.checkpoint;
        checkpointDir = b.checkpointDir;
    }

    /** 4 workers, 1 MiB chunks, sparse AUTO, I/O AUTO, fdatasync, no verify, a checkpoint kept. */
    public static CopyOptions defaults() {
        return builder().build();
    }

    /** A new builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    String toJson() {
        return "{\"workers\": " + workers + ", \"chunk_size\": " + chunkSize + ", \"sparse\": "
            + Json.quote(sparse.name().toLowerCase(java.util.Locale.ROOT)) + ", \"io\": "
            + Json.quote(io.name().toLowerCase(java.util.Locale.ROOT)) + ", \"fsync\": " + fsync
            + ", \"verify\": " + verify + ", \"create_target\": " + createTarget + ", \"rate_limit\": "
            + (rateLimit > 0 ? Long.toString(rateLimit) : "null") + ", \"no_checkpoint\": " + !checkpoint
            + (checkpointDir == null ? "" : ", \"checkpoint_dir\": " + Json.quote(checkpointDir.toString())) + "}";
    }

    /** Builds {@link CopyOptions}; values are checked by the library (VolcloneException INVALID_ARGUMENT). */
    public static final class Builder {
        private int workers = 4;
        private long chunkSize = 1 << 20;
        private SparseMode sparse = SparseMode.AUTO;
        private IoMode io = IoMode.AUTO;
        private boolean fsync = true;
        private boolean verify;
        private boolean createTarget;
        private long rateLimit;
        private boolean checkpoint = true;
        private java.nio.file.Path checkpointDir;

        private Builder() {}

        /** Parallel workers (1..64). */
        public Builder workers(int v) {
            workers = v;
            return this;
        }

        /** Chunk size: a multiple of 4096 from 4 KiB to 64 MiB. */
        public Builder chunkSize(long v) {
            chunkSize = v;
            return this;
        }

        /** Zero handling. */
        public Builder sparse(SparseMode v) {
            sparse = v;
            return this;
        }

        /** O_DIRECT, buffered or streaming I/O (see {@link IoMode}). */
        public Builder io(IoMode v) {
            io = v;
            return this;
        }

        /** fdatasync at the end. */
        public Builder fsync(boolean v) {
            fsync = v;
            return this;
        }

        /** Re-read and compare afterwards. */
        public Builder verify(boolean v) {
            verify = v;
            return this;
        }

        /** Create a missing target file. */
        public Builder createTarget(boolean v) {
            createTarget = v;
            return this;
        }

        /** Bytes per second at most; 0 = unlimited. */
        public Builder rateLimit(long v) {
            rateLimit = v;
            return this;
        }

        /**
         * Keep a checkpoint (the default): a rerun onto the very same objects after a crash or a
         * cancel copies only the rest; false keeps none, so a rerun copies everything again.
         */
        public Builder checkpoint(boolean v) {
            checkpoint = v;
            return this;
        }

        /**
         * Where checkpoints are kept; null for volclone's state directory
         * ({@code /var/lib/volclone/checkpoints}, else a private one of this user). A directory
         * others can write is refused (INVALID_ARGUMENT).
         */
        public Builder checkpointDir(java.nio.file.Path v) {
            checkpointDir = v;
            return this;
        }

        /** The immutable options. */
        public CopyOptions build() {
            return new CopyOptions(this);
        }
    }
}
