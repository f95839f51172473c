package io.volclone.linstor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.volclone.CopyReport;
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

    @Test
    void blockCopyReplacesDd(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = Files.write(dir.resolve("dst"), new byte[3 << 20]);
        CopyReport r = LinstorCloneAdapter.blockCopy(src.toString(), dst.toString(), true, false, true, null, null);
        assertTrue(r.verified());
        assertArrayEquals(data, Files.readAllBytes(dst));
    }
}
