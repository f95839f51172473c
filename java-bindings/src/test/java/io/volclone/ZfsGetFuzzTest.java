package io.volclone;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ZfsFacts#fromZfsGet} over random input built from the tokens of real {@code zfs get}
 * output and arbitrary characters: a result or a {@link VolcloneException}, never another
 * exception; a result is consistent (unencrypted means no key status).
 */
class ZfsGetFuzzTest {
    private static final String[] TOKENS = {"encryption", "encryptionroot", "keystatus", "keylocation", "aes-256-gcm", "off",
        "available", "unavailable", "none", "-", "", "file:///k", "prompt", "tank/enc", "\t", "\n", "\t\t", " ", "AVAILABLE", "ı"};

    @Test
    void randomZfsGetOutputIsAResultOrAVolcloneException() {
        Random r = new Random(20261203);
        int results = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                if (r.nextInt(8) == 0) {
                    b.append((char) r.nextInt(0x3000));
                } else {
                    b.append(TOKENS[r.nextInt(TOKENS.length)]);
                }
            }
            try {
                ZfsFacts f = ZfsFacts.fromZfsGet(b.toString());
                results++;
                assertTrue(f.encrypted() || f.keyStatus() == ZfsFacts.KeyStatus.NONE, "unencrypted with a key status: " + b);
            } catch (VolcloneException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            } catch (RuntimeException e) {
                fail("input " + b + " threw " + e);
            }
        }
        assertTrue(results > 500, "some inputs parse: " + results);
    }
}
