package io.volclone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutorTest {
    private static CloneRequest files(Path src, Path dst, long size, boolean exists) throws VolcloneException {
        VolumeFacts s = VolumeFacts.builder().provider("FILE").storagePool("f").volume(src.toString()).sizeBytes(size).exists(true).build();
        VolumeFacts t = VolumeFacts.builder().provider("FILE_THIN").storagePool("f").volume(dst.toString()).sizeBytes(size).exists(exists).build();
        return new CloneRequest(s, t, null);
    }

    @Test
    void executesABlockCopyWithProgressFromOneNamedThread(@TempDir Path dir) throws Exception {
        Path src = Fixtures.randomFile(dir, "base image.img", 8 << 20, 11);
        Path dst = dir.resolve("clone $(touch pwned).img");
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        List<long[]> updates = new CopyOnWriteArrayList<>();
        CloneExecutor.Report r = CloneExecutor.execute(files(src, dst, 8 << 20, false), CopyOptions.builder().verify(true).workers(3).build(), 0,
            (phase, done, total, rate) -> {
                threads.add(Thread.currentThread());
                updates.add(new long[] {done, total});
            }, null);
        assertEquals(CloneStrategy.BLOCK_COPY, r.strategy());
        assertEquals(8 << 20, r.bytes());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        assertEquals(1, threads.size(), "one reporter thread: " + threads);
        Thread t = threads.iterator().next();
        assertEquals("volclone-report", t.getName());
        assertTrue(t != Thread.currentThread());
        assertTrue(updates.stream().allMatch(u -> u[1] == 8 << 20), "every update has the total");
        assertTrue(!Files.exists(dir.resolve("pwned")), "a name ran a command");
    }

    @Test
    void aListenerThrowingOnTheFinalUpdateDoesNotFailAFinishedCopy(@TempDir Path dir) throws Exception {
        Path src = Fixtures.randomFile(dir, "s", 1 << 20, 12);
        Path dst = Fixtures.sparseFile(dir, "t", 1 << 20);
        CloneExecutor.Report r = CloneExecutor.execute(files(src, dst, 1 << 20, true), null, 0, (phase, done, total, rate) -> {
            if (done == total) {
                throw new IllegalStateException("listener bug at 100%");
            }
        }, null);
        assertEquals(1 << 20, r.bytes());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
    }

    @Test
    void cancelStopsAndAResetHandleServesAgain(@TempDir Path dir) throws Exception {
        Path src = Fixtures.randomFile(dir, "s", 4 << 20, 13);
        Path dst = Fixtures.sparseFile(dir, "t", 4 << 20);
        try (CancelHandle cancel = new CancelHandle()) {
            cancel.cancel();
            VolcloneException e = assertThrows(VolcloneException.class, () -> CloneExecutor.execute(files(src, dst, 4 << 20, true), null, 0, null, cancel));
            assertEquals(VolcloneException.Status.CANCELLED, e.status());
            cancel.reset();
            CloneExecutor.execute(files(src, dst, 4 << 20, true), null, 0, null, cancel);
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        }
    }

    @Test
    void noStrategyAndBadFactsAreVolcloneExceptions(@TempDir Path dir) throws Exception {
        Path src = Fixtures.randomFile(dir, "s", 1 << 20, 14);
        Path dst = Fixtures.sparseFile(dir, "t", 4096);
        VolumeFacts s = VolumeFacts.builder().provider("FILE").storagePool("f").volume(src.toString()).sizeBytes(1 << 20).exists(true).build();
        VolumeFacts t = VolumeFacts.builder().provider("FILE_THIN").storagePool("f").volume(dst.toString()).sizeBytes(4096).exists(true).build();
        VolcloneException e = assertThrows(VolcloneException.class, () -> CloneExecutor.execute(new CloneRequest(s, t, null), null, 0, null, null));
        assertEquals(VolcloneException.Status.NO_STRATEGY, e.status());
        e = assertThrows(VolcloneException.class, () -> ZfsFacts.read("-tank/x"));
        assertEquals(VolcloneException.Status.INVALID_REQUEST, e.status());
    }

    @Test
    void theLibrarysLogReachesSystemLogger(@TempDir Path dir) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                seen.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger("io.volclone");
        jul.addHandler(h);
        try {
            Path src = Fixtures.randomFile(dir, "s", 1 << 20, 15);
            Path dst = Fixtures.sparseFile(dir, "t", 1 << 20);
            CloneExecutor.execute(files(src, dst, 1 << 20, true), null, 0, null, null);
            assertTrue(seen.stream().anyMatch(m -> m.contains("volclone copy")), seen.toString());
        } finally {
            jul.removeHandler(h);
        }
    }
}
