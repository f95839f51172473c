package io.volclone;

import java.lang.ref.Cleaner;

/**
 * Cancels running copies and clones from any thread. Once cancelled it stays cancelled, so one
 * handle serves one operation, unless {@link #reset()} re-arms it. Close it when done (a running
 * operation keeps its own reference, so closing meanwhile is safe); a {@link Cleaner} frees a
 * forgotten one. After {@link #close()}, {@link #cancel()} throws IllegalStateException.
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
        handle = Native.cancelNew();
        cleanable = CLEANER.register(this, new Free(handle));
    }

    /** Requests cancellation: copies using this handle stop between chunks. Thread-safe. */
    public synchronized void cancel() {
        Native.cancelTrigger(live());
    }

    /** Re-arms a cancelled handle for the next operation. Thread-safe. */
    public synchronized void reset() {
        Native.cancelReset(live());
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
            cleanable.clean();
        }
    }
}
