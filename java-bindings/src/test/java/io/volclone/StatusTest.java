package io.volclone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Java's status codes are the C header's, name for name and number for number, but for the one
 * only Java can have (the native library could not be loaded), which no C status may take.
 */
class StatusTest {
    @Test
    void javaStatusCodesAreTheHeaders() throws Exception {
        String header = Files.readString(Path.of(System.getProperty("volclone.header", "include/volclone.h")));
        Matcher m = Pattern.compile("VOLCLONE_STATUS_([A-Z0-9_]+) = (\\d+)").matcher(header);
        Map<String, Integer> c = new TreeMap<>();
        while (m.find()) {
            c.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> java = new TreeMap<>();
        for (VolcloneException.Status s : VolcloneException.Status.values()) {
            if (s != VolcloneException.Status.LIBRARY_UNAVAILABLE) {
                java.put(s.name().toUpperCase(Locale.ROOT), s.code());
            }
        }
        assertEquals(c, java);
        assertEquals(false, c.containsValue(VolcloneException.Status.LIBRARY_UNAVAILABLE.code()));
    }
}
