package io.volclone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeTest {
    @TempDir
    Path dir;

    @Test
    void aRustPanicIsARuntimeExceptionNotACrash() {
        RuntimeException e = assertThrows(RuntimeException.class, Native::testPanic);
        assertTrue(e.getMessage().contains("panicked") && e.getMessage().contains("test panic"), e.getMessage());
        assertEquals("0.1.0", ClonePlanner.libraryVersion());
    }

    @Test
    void nullsAndStaleHandlesThrow() {
        assertThrows(NullPointerException.class, () -> Native.planJson(null));
        assertThrows(NullPointerException.class, () -> Native.copy("a", null, "{}", null, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Native.cancelTrigger(987654321L));
        assertTrue(e.getMessage().contains("not live"));
        long h = Native.cancelNew();
        Native.cancelFree(h);
        assertThrows(IllegalArgumentException.class, () -> Native.cancelTrigger(h));
        assertThrows(IllegalArgumentException.class, () -> Native.copy("a", "b", "{not json", null, 0));
    }

    @Test
    void manyThreadsPlanAndCopyAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int id = t;
            results.add(pool.submit(() -> {
                int ok = 0;
                for (int i = 0; i < 100; i++) {
                    if (ClonePlanner.plan(Fixtures.seed()).chosen().orElseThrow() == CloneStrategy.ZFS_COPY) {
                        ok++;
                    }
                }
                Path src = Fixtures.randomFile(dir, "s" + id, (1 << 20) + id * 4099, id);
                Path dst = Fixtures.sparseFile(dir, "d" + id, (1 << 20) + id * 4099);
                CopyReport r = BlockCopier.copy(src, dst, CopyOptions.builder().verify(true).workers(2).build(),
                    (p, d, tot, rate) -> { }, null);
                return r.verified() ? ok + 1 : ok;
            }));
        }
        for (Future<Integer> f : results) {
            assertEquals(101, f.get());
        }
        pool.shutdown();
    }

    @Test
    void loadFailureNamesWhatWasTried() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = Path.of(LoadProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + File.pathSeparator
            + Path.of(ClonePlanner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process p = new ProcessBuilder(java, "-cp", cp,
            "-Dvolclone.library.path=/nonexistent/libvolclone_jni.so", "io.volclone.LoadProbe")
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("cannot load libvolclone_jni: tried volclone.library.path=/nonexistent/libvolclone_jni.so"), out);
    }

    @Test
    void theLibraryIsTheVersionTheseClassesAreFor() {
        assertEquals(Native.EXPECTED_VERSION, ClonePlanner.libraryVersion());
    }
}
