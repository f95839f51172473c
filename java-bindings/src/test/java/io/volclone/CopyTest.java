package io.volclone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyTest {
    @TempDir
    Path dir;

    @Test
    void realCopyWithProgressAndVerify() throws Exception {
        Path src = Fixtures.randomFile(dir, "src", 6 << 20, 1);
        Path dst = Fixtures.sparseFile(dir, "dst", 6 << 20);
        List<long[]> events = new CopyOnWriteArrayList<>();
        CopyOptions opts = CopyOptions.builder().verify(true).workers(3).rateLimit(8L << 20).build(); // about 0.5 s
        CopyReport r = BlockCopier.copy(src, dst, opts, (phase, done, total, rate) -> {
            if (phase.equals("copy")) {
                events.add(new long[] {done, total});
            }
        }, null);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        assertEquals(6 << 20, r.bytesTotal());
        assertTrue(r.verified() && r.fsynced());
        assertFalse(r.direct(), "the default (AUTO) streams a pair of regular files");
        assertTrue(events.size() >= 2, "progress events: " + events.size());
        assertEquals(6 << 20, events.get(events.size() - 1)[0]);
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i - 1)[0] <= events.get(i)[0]);
        }
    }

    @Test
    void streamingCopiesOntoATargetFullOfOtherData() throws Exception {
        Path src = Fixtures.randomFile(dir, "src", 5 << 20, 11);
        Path dst = Fixtures.randomFile(dir, "dst", 5 << 20, 12);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(src), Files.readAllBytes(dst)));
        CopyOptions opts = CopyOptions.builder().io(IoMode.STREAMING).verify(true).build();
        CopyReport r = BlockCopier.copy(src, dst, opts, null, null);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        assertFalse(r.direct());
        assertTrue(r.verified());
    }

    @Test
    void cancelFromAnotherThread() throws Exception {
        Path src = Fixtures.randomFile(dir, "src", 16 << 20, 2);
        Path dst = Fixtures.sparseFile(dir, "dst", 16 << 20);
        try (CancelHandle cancel = new CancelHandle()) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                cancel.cancel();
            });
            t.start();
            long start = System.nanoTime();
            CopyOptions slow = CopyOptions.builder().rateLimit(4L << 20).chunkSize(256 << 10).build();
            VolcloneException e = assertThrows(VolcloneException.class, () -> BlockCopier.copy(src, dst, slow, null, cancel));
            t.join();
            assertEquals(VolcloneException.Status.CANCELLED, e.status());
            assertTrue(System.nanoTime() - start < 3_000_000_000L, "stopped promptly");
        }
    }

    @Test
    void throwingListenerCancelsAndBecomesTheCause() throws Exception {
        Path src = Fixtures.randomFile(dir, "src", 8 << 20, 3);
        Path dst = Fixtures.sparseFile(dir, "dst", 8 << 20);
        CopyOptions slow = CopyOptions.builder().rateLimit(8L << 20).build();
        VolcloneException e = assertThrows(VolcloneException.class, () -> BlockCopier.copy(src, dst, slow, (p, d, t, r) -> {
            throw new IllegalStateException("listener says stop");
        }, null));
        assertEquals(VolcloneException.Status.CANCELLED, e.status());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("listener says stop", e.getCause().getMessage());
    }

    @Test
    void errorPathsAreExceptions() throws Exception {
        Path src = Fixtures.randomFile(dir, "src", 1 << 20, 4);
        Path small = Fixtures.sparseFile(dir, "small", 4096);
        Path dst = Fixtures.sparseFile(dir, "dst", 1 << 20);
        VolcloneException missing = assertThrows(VolcloneException.class,
            () -> BlockCopier.copy(dir.resolve("nope"), dst, null, null, null));
        assertEquals(VolcloneException.Status.IO, missing.status());
        assertTrue(missing.getMessage().contains("nope"));
        VolcloneException missingTarget = assertThrows(VolcloneException.class,
            () -> BlockCopier.copy(src, dir.resolve("no-target"), null, null, null));
        assertTrue(missingTarget.getMessage().contains("does not exist"), missingTarget.getMessage());
        VolcloneException tooSmall = assertThrows(VolcloneException.class, () -> BlockCopier.copy(src, small, null, null, null));
        assertEquals(VolcloneException.Status.TARGET_TOO_SMALL, tooSmall.status());
        assertEquals(4096, Files.size(small));
        VolcloneException same = assertThrows(VolcloneException.class, () -> BlockCopier.copy(src, src, null, null, null));
        assertEquals(VolcloneException.Status.SAME_DEVICE, same.status());
        VolcloneException bad = assertThrows(VolcloneException.class,
            () -> BlockCopier.copy(src, dst, CopyOptions.builder().workers(0).build(), null, null));
        assertEquals(VolcloneException.Status.INVALID_ARGUMENT, bad.status());
        assertTrue(bad.getMessage().contains("workers = 0"));
        assertThrows(NullPointerException.class, () -> BlockCopier.copy(null, dst, null, null, null));
        CancelHandle closed = new CancelHandle();
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> BlockCopier.copy(src, dst, null, null, closed));
    }
}
