package io.volclone;

/** A volclone error: the status code of the C ABI and the library's message (which names the fix). */
public final class VolcloneException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The status codes, numbered as in {@code include/volclone.h}. */
    public enum Status {
        OK(0), INVALID_ARGUMENT(1), INVALID_REQUEST(2), NO_STRATEGY(3), IO(4), TARGET_TOO_SMALL(5),
        SAME_DEVICE(6), BUSY(7), CANCELLED(8), VERIFY_MISMATCH(9), COMMAND_FAILED(10), NULL_POINTER(11),
        INVALID_UTF8(12), PANIC(13),
        /**
         * Java only (never a C status): the native library could not be loaded; the message names
         * everything that was tried. {@link ClonePlanner#libraryAvailable()} asks without throwing.
         */
        LIBRARY_UNAVAILABLE(100);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        /** The numeric code. */
        public int code() {
            return code;
        }

        /** The status for a code. */
        public static Status of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown volclone status " + code);
        }
    }

    private final Status status;

    /** Made by the native library (and by {@link ClonePlanner} for NO_STRATEGY). */
    public VolcloneException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = Status.of(status);
    }

    /** What kind of failure this is. */
    public Status status() {
        return status;
    }
}
