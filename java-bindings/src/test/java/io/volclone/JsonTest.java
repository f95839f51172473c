package io.volclone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void malformedTextIsAVolcloneExceptionNeverAnUncheckedOne() {
        for (String bad : List.of("", "{", "{\"a\"", "{\"a\":", "{\"a\": 1,", "[1, 2", "\"abc", "\"\\u12\"", "\"\\uzzzz\"",
                "\"\\q\"", "99999999999999999999", "-", "1.", "tru", "nul", "{\"a\" 1}", "[1 2]", "\"a\nb\"", "[".repeat(100) + "]".repeat(100))) {
            VolcloneException e = assertThrows(VolcloneException.class, () -> Json.parse(bad), bad);
            assertEquals(VolcloneException.Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().startsWith("bad JSON at offset"), e.getMessage());
        }
    }

    @Test
    void wellFormedTextParses() throws Exception {
        Map<String, Object> m = Json.object(Json.parse(" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\\ud83d\\ude00\\\"\\\\/\"], \"b\": {}}\n"));
        List<Object> a = Json.list(m.get("a"));
        assertEquals(1L, a.get(0));
        assertEquals(-2500.0, a.get(1));
        assertEquals("é😀\"\\/", a.get(4));
        assertEquals(Map.of(), m.get("b"));
    }

    /** Strings of every kind go through the Java writer, the Rust parser and serializer, and back. */
    @Test
    void namesRoundTripThroughTheRustSerializer() throws Exception {
        Random rnd = new Random(7);
        String alphabet = "aZ09 _-.:\"\\/'$`é€ñ\u2028\u00a0😀💾";
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder("pool");
            int n = 1 + rnd.nextInt(20);
            for (int k = 0; k < n; k++) {
                int cp = alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length()))));
                b.appendCodePoint(cp);
            }
            String pool = b.toString();
            VolumeFacts s = VolumeFacts.builder().provider("LVM_THIN").storagePool(pool).volume("vg/a").sizeBytes(1 << 20).exists(true).build();
            VolumeFacts t = VolumeFacts.builder().provider("LVM_THIN").storagePool("other").volume("vg/b").sizeBytes(1 << 20).exists(true).build();
            ClonePlan p = ClonePlanner.plan(new CloneRequest(s, t, null));
            String reason = p.rejection(CloneStrategy.LVM_THIN_CLONE).orElseThrow();
            assertTrue(reason.contains("(source " + pool + ", target other)"), pool + " -> " + reason);
        }
    }
}
