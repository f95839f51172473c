package io.volclone;

import java.lang.ref.Cleaner;

/**
 * Cancels running copies and clones from any thread. Once cancelled it stays cancelled, so one
 * handle serves one operation, unless {@link #reset()} re-arms it. Close it when done (a running
 * operation keeps its own reference, so closing meanwhile is safe); a {@link Cleaner} frees a
 * forgotten one. {@link #cancel()} never throws: after the operation ended, and after
 * {@link #close()}, it does nothing (LINSTOR's {@code CloneDaemon.shutdown()} cancels every clone
 * it still lists, finished ones included). Made while the native library is unavailable, the
 * handle is inert: no operation can run then anyway.
 */
public final class CancelHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private static final class Free implements Runnable {
        private final long handle;

        Free(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            Native.cancelFree(handle);
        }
    }

    private final long handle;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    /** A new handle. */
    public CancelHandle() {
        handle = Native.LOAD_ERROR == null ? Native.cancelNew() : 0;
        cleanable = handle == 0 ? null : CLEANER.register(this, new Free(handle));
    }

    /**
     * Requests cancellation: copies using this handle stop between chunks, clones undo what they
     * made. Thread-safe and idempotent; a no-op once closed.
     */
    public synchronized void cancel() {
        if (!closed && handle != 0) {
            Native.cancelTrigger(handle);
        }
    }

    /**
     * Re-arms a cancelled handle for the next operation. Thread-safe.
     *
     * @throws IllegalStateException when closed
     */
    public synchronized void reset() {
        long h = live();
        if (h != 0) {
            Native.cancelReset(h);
        }
    }

    synchronized long live() {
        if (closed) {
            throw new IllegalStateException("CancelHandle is closed");
        }
        return handle;
    }

    /** Frees the native handle; idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (cleanable != null) {
                cleanable.clean();
            }
        }
    }
}
