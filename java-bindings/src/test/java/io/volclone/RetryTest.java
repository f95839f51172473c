package io.volclone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What LINSTOR's cleanup and retry do after a cancelled clone, through the Java API: the target
 * deleted and made again empty under its name (ext4 usually gives it the old inode number), the
 * same call again. The copy must start over, never resume onto the new file; the same objects
 * resume. And the rate limit holds for block copies.
 */
class RetryTest {
    private static final int SIZE = 24 << 20;

    @TempDir
    Path dir;

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    /** Deletes {@code p} and makes it again sparse, trying for its old inode number. */
    static boolean recreate(Path p, long size) throws IOException {
        Object old = inode(p);
        Files.delete(p);
        List<Path> aside = new ArrayList<>();
        boolean reused = false;
        for (int i = 0; i < 32 && !reused; i++) {
            Fixtures.sparseFile(p.getParent(), p.getFileName().toString(), size);
            reused = inode(p).equals(old);
            if (!reused) {
                Path a = p.resolveSibling(p.getFileName() + ".aside" + i);
                Files.move(p, a);
                aside.add(a);
            }
        }
        if (!reused) {
            Fixtures.sparseFile(p.getParent(), p.getFileName().toString(), size);
        }
        for (Path a : aside) {
            Files.delete(a);
        }
        return reused;
    }

    private static CloneRequest files(Path src, Path dst) throws VolcloneException {
        VolumeFacts s = VolumeFacts.builder().provider("FILE_THIN").storagePool("f").volume(src.toString()).sizeBytes(SIZE).exists(true).build();
        VolumeFacts t = VolumeFacts.builder().provider("FILE_THIN").storagePool("f").volume(dst.toString()).sizeBytes(SIZE).exists(true).build();
        return new CloneRequest(s, t, null);
    }

    /** Runs {@code op} with a handle cancelled after {@code ms}; it must end CANCELLED. */
    private static void cancelledAfter(long ms, ThrowingOp op) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (CancelHandle c = new CancelHandle()) {
            timer.schedule(c::cancel, ms, TimeUnit.MILLISECONDS);
            VolcloneException e = assertThrows(VolcloneException.class, () -> op.run(c));
            assertEquals(VolcloneException.Status.CANCELLED, e.status(), e.getMessage());
        } finally {
            timer.shutdownNow();
        }
    }

    interface ThrowingOp {
        void run(CancelHandle c) throws Exception;
    }

    @Test
    void executeOntoATargetMadeAgainUnderItsNameStartsOverAndSaysWhy() throws Exception {
        Path src = Fixtures.randomFile(dir, "s.img", SIZE, 91);
        Path dst = Fixtures.sparseFile(dir, "t.img", SIZE);
        CopyOptions opts = CopyOptions.builder().checkpointDir(dir.resolve("cps")).build();
        long slow = 8 << 20;
        // The same objects: resumed.
        cancelledAfter(1200, c -> CloneExecutor.execute(files(src, dst), opts, slow, null, c));
        CloneExecutor.Report r = CloneExecutor.execute(files(src, dst), opts, 0, null, null);
        assertTrue(r.bytesResumed() > 0, "the same objects resume: " + r);
        assertNull(r.resumeRefused());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        // Made again under its name: started over.
        for (int round = 0; round < 2; round++) {
            cancelledAfter(1200, c -> CloneExecutor.execute(files(src, dst), opts, slow, null, c));
            boolean reused = recreate(dst, SIZE);
            r = CloneExecutor.execute(files(src, dst), opts, 0, null, null);
            assertEquals(0, r.bytesResumed(), "resumed onto a re-created target (inode reused: " + reused + "): " + r);
            assertNotNull(r.resumeRefused());
            assertTrue(r.resumeRefused().contains("set aside"), r.resumeRefused());
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        }
    }

    @Test
    void blockCopierOntoATargetMadeAgainStartsOver() throws Exception {
        Path src = Fixtures.randomFile(dir, "s.img", SIZE, 92);
        Path dst = Fixtures.sparseFile(dir, "t.img", SIZE);
        CopyOptions slow = CopyOptions.builder().checkpointDir(dir.resolve("cps")).rateLimit(8 << 20).build();
        CopyOptions fast = CopyOptions.builder().checkpointDir(dir.resolve("cps")).build();
        cancelledAfter(1200, c -> BlockCopier.copy(src, dst, slow, null, c));
        recreate(dst, SIZE);
        CopyReport r = BlockCopier.copy(src, dst, fast, null, null);
        assertEquals(0, r.bytesResumed(), r.toString());
        assertTrue(r.resumeRefused() != null && r.resumeRefused().contains("not the object"), r.toString());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        // Without a checkpoint, nothing is kept and nothing is resumed.
        cancelledAfter(600, c -> BlockCopier.copy(src, dst, CopyOptions.builder().checkpoint(false).rateLimit(8 << 20).build(), null, c));
        r = BlockCopier.copy(src, dst, CopyOptions.builder().checkpoint(false).build(), null, null);
        assertEquals(0, r.bytesResumed());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
    }

    @Test
    void theRateLimitBoundsABlockCopyThroughExecute() throws Exception {
        Path src = Fixtures.randomFile(dir, "s.img", SIZE, 93);
        Path dst = Fixtures.sparseFile(dir, "t.img", SIZE);
        long t0 = System.nanoTime();
        CloneExecutor.execute(files(src, dst), CopyOptions.builder().checkpoint(false).build(), 16 << 20, null, null);
        double secs = (System.nanoTime() - t0) / 1e9;
        // 24 MiB at 16 MiB/s: at least 1.5 s less the limiter's quarter-second burst.
        assertTrue(secs >= 1.25, "24 MiB at 16 MiB/s took " + secs + " s");
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
    }

    @Test
    void cancelIsIdempotentAfterCompletionAndAfterClose() throws Exception {
        Path src = Fixtures.randomFile(dir, "s.img", 1 << 20, 94);
        Path dst = Fixtures.sparseFile(dir, "t.img", 1 << 20);
        CancelHandle c = new CancelHandle();
        BlockCopier.copy(src, dst, null, null, c);
        c.cancel();
        c.cancel();
        c.close();
        c.cancel(); // LINSTOR's shutdown() cancels finished clones too: never throws
        c.close();
        assertThrows(IllegalStateException.class, c::reset);
        assertThrows(IllegalStateException.class, () -> BlockCopier.copy(src, dst, null, null, c));
    }
}
