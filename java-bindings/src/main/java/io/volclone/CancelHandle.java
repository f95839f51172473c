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
    /** Operations running with this handle now. */
    private int running;

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

    /**
     * Cancels and waits until every operation running with this handle has returned (a clone
     * cancelled before its swap has then undone what it made), at most {@code timeoutMillis}.
     * LINSTOR's {@code CloneService.cleanupActiveClones()} tears the devices down right after
     * {@code CloneDaemon.shutdown()}: a fork calls this in between, so nothing is destroyed under a
     * clone that is still stopping. Thread-safe; never throws, also after {@link #close()}.
     *
     * @return true when nothing runs with this handle any more, false when the time ran out
     */
    public synchronized boolean cancelAndAwait(long timeoutMillis) {
        cancel();
        long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000L;
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return running == 0;
            }
        }
        return true;
    }

    /** Whether an operation runs with this handle now. */
    public synchronized boolean isRunning() {
        return running > 0;
    }

    /** An operation starts with this handle: its native handle (checked live). */
    synchronized long enter() {
        long h = live();
        running++;
        return h;
    }

    /** The operation that {@link #enter()}ed has returned. */
    synchronized void exit() {
        running--;
        notifyAll();
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
