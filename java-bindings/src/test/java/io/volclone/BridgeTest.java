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
        RuntimeException e = assertThrows(RuntimeException.class, NativeTest::testPanic);
        assertTrue(e.getMessage().contains("panicked") && e.getMessage().contains("test panic"), e.getMessage());
        assertEquals("0.1.1", ClonePlanner.libraryVersion());
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
        VolcloneException bad = assertThrows(VolcloneException.class, () -> Native.copy("a", "b", "{not json", null, 0));
        assertEquals(VolcloneException.Status.INVALID_ARGUMENT, bad.status());
        assertTrue(bad.getMessage().contains("copy options: malformed JSON"), bad.getMessage());
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

    /** Runs {@link LoadProbe} in a child JVM with {@code props}; returns its output. */
    private static String probe(List<String> props, String extraClassPath) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = Path.of(LoadProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + File.pathSeparator
            + Path.of(ClonePlanner.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            + (extraClassPath == null ? "" : File.pathSeparator + extraClassPath);
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp));
        cmd.addAll(props);
        cmd.add("io.volclone.LoadProbe");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void loadFailureIsACheckedExceptionNamingWhatWasTried() throws Exception {
        String out = probe(List.of("-Dvolclone.library.path=/nonexistent/libvolclone_jni.so"), null);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("LIBRARY_UNAVAILABLE: cannot load libvolclone_jni: tried volclone.library.path=/nonexistent/libvolclone_jni.so"), out);
        assertTrue(out.contains("cancel ok"), "a CancelHandle works without the library: " + out);
        assertTrue(!out.contains("LinkageError"), out);
        out = probe(List.of("-Dvolclone.library.source=nowhere"), null);
        assertTrue(out.contains("volclone.library.source=nowhere: give auto, system or bundled"), out);
    }

    /** The library this JVM loaded, as a file (to stand in for the copy a jar carries). */
    private static Path loadedLibrary() {
        for (String d : System.getProperty("java.library.path").split(File.pathSeparator)) {
            Path p = Path.of(d, "libvolclone_jni.so");
            if (java.nio.file.Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void theBundledCopyLeavesNothingInTheTemporaryDirectory() throws Exception {
        // A class path entry that carries the library where the jar does.
        Path res = dir.resolve("res");
        Path lib = res.resolve("io/volclone/native/linux-x86_64/libvolclone_jni.so");
        java.nio.file.Files.createDirectories(lib.getParent());
        if (ClonePlanner.class.getResource(Native.BUNDLED) != null) {
            try (var in = ClonePlanner.class.getResourceAsStream(Native.BUNDLED)) {
                java.nio.file.Files.copy(in, lib);
            }
        } else {
            Path have = loadedLibrary();
            assertTrue(have != null, "no libvolclone_jni.so on java.library.path to bundle");
            java.nio.file.Files.copy(have, lib);
        }
        Path tmp = java.nio.file.Files.createDirectory(dir.resolve("tmp"));
        String out = probe(List.of("-Djava.io.tmpdir=" + tmp, "-Dvolclone.library.source=bundled"), res.toString());
        assertTrue(out.contains("available=true") && out.contains("the copy in the jar"), out);
        try (var left = java.nio.file.Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the JVM left files in java.io.tmpdir");
        }
        Path extract = java.nio.file.Files.createDirectory(dir.resolve("extract"));
        out = probe(List.of("-Dvolclone.library.extractDir=" + extract, "-Dvolclone.library.source=bundled"), res.toString());
        assertTrue(out.contains("available=true"), out);
        try (var left = java.nio.file.Files.list(extract)) {
            assertEquals(List.of(), left.toList(), "the JVM left files in the extraction directory");
        }
        out = probe(List.of("-Dvolclone.library.extractDir=/nonexistent/dir", "-Dvolclone.library.source=bundled"), res.toString());
        assertTrue(out.contains("available=false") && out.contains("volclone.library.extractDir=DIR"), out);
    }

    @Test
    void theLibraryIsAvailableAndTheVersionTheseClassesAreFor() {
        assertTrue(ClonePlanner.libraryAvailable());
        assertTrue(ClonePlanner.libraryError().isEmpty());
        assertEquals(Native.EXPECTED_VERSION, ClonePlanner.libraryVersion());
    }
}
