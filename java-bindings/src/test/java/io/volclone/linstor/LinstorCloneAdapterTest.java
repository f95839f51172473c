package io.volclone.linstor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.volclone.ClonePlan;
import io.volclone.CloneStrategy;
import io.volclone.CopyReport;
import io.volclone.VolcloneException;
import io.volclone.ZfsFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinstorCloneAdapterTest {
    private static final String ENCRYPTED = "encryption\taes-256-gcm\nencryptionroot\ttmp-pool/incus\nkeystatus\tavailable\nkeylocation\tfile:///k\n";

    @Test
    void seedCaseNamesInLinstorTerms() throws Exception {
        var src = LinstorCloneAdapter.Side.of("ZFS_THIN", "incus", List.of("DRBD", "STORAGE"), "tmp-pool/incus/a", null, 1L << 30, true, ENCRYPTED);
        var tgt = LinstorCloneAdapter.Side.of("ZFS_THIN", "incus", List.of("DRBD", "STORAGE"), "tmp-pool/incus/b", null, 1L << 30, true, ENCRYPTED);
        assertEquals(List.of("ZFS_COPY", "ZFS_RAW_COPY", "DD"), LinstorCloneAdapter.cloneStrategyNames(src, tgt, false, "2.1.11"));
        assertEquals(List.of("ZFS_CLONE", "ZFS_COPY", "ZFS_RAW_COPY", "DD"), LinstorCloneAdapter.cloneStrategyNames(src, tgt, true, null));
    }

    @Test
    void lvmThinAcrossPoolsFallsBackToDd() throws Exception {
        var a = LinstorCloneAdapter.Side.of("LVM_THIN", "thin1", List.of("STORAGE"), "vg/a", null, 1L << 30, true, null);
        var b = LinstorCloneAdapter.Side.of("LVM_THIN", "thin1", List.of("STORAGE"), "vg/b", null, 1L << 30, true, null);
        var c = LinstorCloneAdapter.Side.of("LVM_THIN", "thin2", List.of("STORAGE"), "vg2/c", null, 1L << 30, true, null);
        assertEquals(List.of("LVM_THIN_CLONE", "DD"), LinstorCloneAdapter.cloneStrategyNames(a, b, false, null));
        assertEquals(List.of("DD"), LinstorCloneAdapter.cloneStrategyNames(a, c, false, null));
    }

    @Test
    void zfsGetOutputIsRead() {
        assertTrue(ZfsFacts.fromZfsGet(ENCRYPTED).encrypted());
        ZfsFacts plain = ZfsFacts.fromZfsGet("encryption\toff\nencryptionroot\t-\nkeystatus\t-\nkeylocation\tnone\n");
        assertTrue(!plain.encrypted());
    }

    private static ClonePlan.Step blockCopyStep(LinstorCloneAdapter.Side src, LinstorCloneAdapter.Side tgt) throws Exception {
        ClonePlan.Candidate c = LinstorCloneAdapter.plan(src, tgt, false, null).candidates().stream()
            .filter(x -> x.strategy() == CloneStrategy.BLOCK_COPY).findFirst().orElseThrow();
        return c.steps().get(0);
    }

    @Test
    void blockCopyRunsThePlannersStep(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        java.util.Arrays.fill(data, 1 << 20, 2 << 20, (byte) 0);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = Files.write(dir.resolve("dst"), new byte[3 << 20]);
        var a = LinstorCloneAdapter.Side.of("FILE_THIN", "files", List.of("STORAGE"), "a.img", src.toString(), 3 << 20, true, null);
        var b = LinstorCloneAdapter.Side.of("FILE_THIN", "files", List.of("STORAGE"), "b.img", dst.toString(), 3 << 20, true, null);
        ClonePlan.Step step = blockCopyStep(a, b);
        assertEquals("block_copy", step.op());
        assertEquals("auto", step.string("sparse").orElseThrow());
        CopyReport r = LinstorCloneAdapter.blockCopy(step, true, null, null);
        assertTrue(r.verified());
        assertEquals(1 << 20, r.bytesZero() + r.bytesHole());
        assertArrayEquals(data, Files.readAllBytes(dst));
    }

    @Test
    void blockCopyStepNamesTheZvolsAndOtherStepsAreRefused() throws Exception {
        String plain = "encryption\toff\nencryptionroot\t-\nkeystatus\t-\nkeylocation\tnone\n";
        var z = LinstorCloneAdapter.Side.of("ZFS_THIN", "zp", List.of("STORAGE"), "tank/a", null, 1L << 30, true, plain);
        var z2 = LinstorCloneAdapter.Side.of("ZFS_THIN", "zp", List.of("STORAGE"), "tank/b", null, 1L << 30, true, plain);
        var thin = LinstorCloneAdapter.Side.of("LVM_THIN", "t", List.of("STORAGE"), "vg/c", null, 1L << 30, true, null);
        ClonePlan.Step step = blockCopyStep(z, thin);
        assertEquals("/dev/zvol/tank/a", step.string("source").orElseThrow());
        assertEquals("/dev/vg/c", step.string("target").orElseThrow());
        assertTrue(step.command().startsWith("volclone copy --sparse auto "), step.command());
        List<ClonePlan.Step> zfsCopy = LinstorCloneAdapter.plan(z, z2, false, null).candidates().get(0).steps();
        ClonePlan.Step send = zfsCopy.stream().filter(s -> s.op().equals("zfs_send_receive")).findFirst().orElseThrow();
        assertTrue(send.flag("embed") && !send.flag("raw") && !send.flag("no_such_argument"), send.args().toString());
        ClonePlan.Step snapshot = zfsCopy.get(0);
        assertEquals("zfs_snapshot", snapshot.op());
        VolcloneException e = assertThrows(VolcloneException.class, () -> LinstorCloneAdapter.blockCopy(snapshot, false, null, null));
        assertEquals(VolcloneException.Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("not a block copy"), e.getMessage());
    }
}
