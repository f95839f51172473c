package io.volclone;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The library's log messages in the JVM: they go to {@link System#getLogger} under the name
 * {@code io.volclone}, so whatever the application routes {@code System.Logger} to (SLF4J,
 * logback, java.util.logging) receives them. The most verbose level that logger takes when the
 * library loads is the level the library produces ({@code VOLCLONE_LOG=debug} in the environment
 * raises it).
 */
final class Log {
    static final Logger LOGGER = System.getLogger("io.volclone");

    private Log() {}

    /** The most verbose volclone level (1 error ... 5 trace) the logger takes; 0 for none. */
    static int maxLevel() {
        Level[] byVolcloneLevel = {Level.ERROR, Level.WARNING, Level.INFO, Level.DEBUG, Level.TRACE};
        int max = 0;
        for (int i = 0; i < byVolcloneLevel.length; i++) {
            if (LOGGER.isLoggable(byVolcloneLevel[i])) {
                max = i + 1;
            }
        }
        return max;
    }

    /** Called by the library, on whichever thread logs. */
    static void log(int level, String target, String message) {
        Level l = switch (level) {
            case 1 -> Level.ERROR;
            case 2 -> Level.WARNING;
            case 3 -> Level.INFO;
            case 4 -> Level.DEBUG;
            default -> Level.TRACE;
        };
        LOGGER.log(l, "[" + target + "] " + message);
    }
}
