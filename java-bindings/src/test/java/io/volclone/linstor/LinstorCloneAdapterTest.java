package io.volclone.linstor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.volclone.CloneExecutor;
import io.volclone.CloneStrategy;
import io.volclone.VolcloneException;
import io.volclone.ZfsFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinstorCloneAdapterTest {
    private static final String ENCRYPTED = "encryption\taes-256-gcm\nencryptionroot\ttmp-pool/incus\nkeystatus\tavailable\nkeylocation\tfile:///k\n";

    private static LinstorCloneAdapter.Volume zvol(String id, ZfsFacts z) throws VolcloneException {
        return LinstorCloneAdapter.Volume.builder().providerKind("ZFS_THIN").storPoolName("incus")
            .layerKinds(List.of("DRBD", "STORAGE")).identifier(id).sizeKib(1L << 20).zfs(z).build();
    }

    private static List<String> names(LinstorCloneAdapter.Decision d) {
        return d.choices().stream().map(LinstorCloneAdapter.Choice::linstorName).toList();
    }

    @Test
    void seedCaseDecidesInLinstorsEnumNamesWithPriorities() throws Exception {
        ZfsFacts enc = ZfsFacts.fromZfsGet(ENCRYPTED);
        var d = LinstorCloneAdapter.decide(zvol("tmp-pool/incus/a", enc), zvol("tmp-pool/incus/b", enc), null);
        assertEquals(List.of("ZFS_COPY", "ZFS_RAW_COPY", "DD"), names(d));
        assertEquals(List.of(10, 11, 90), d.choices().stream().map(LinstorCloneAdapter.Choice::priority).toList());
        assertTrue(d.rejectionSummary().contains("ZFS_CLONE"), d.rejectionSummary());
        var withClone = LinstorCloneAdapter.decide(zvol("tmp-pool/incus/a", enc), zvol("tmp-pool/incus/b", enc),
            new LinstorCloneAdapter.Options(true, false, List.of(), 0));
        assertEquals(List.of("ZFS_CLONE", "ZFS_COPY", "ZFS_RAW_COPY", "DD"), names(withClone));
        for (CloneStrategy s : CloneStrategy.values()) {
            assertEquals(s, CloneStrategy.fromName(s.linstorName()), "linstorName maps back one-to-one: " + s);
        }
    }

    @Test
    void lvmThinAcrossPoolsFallsBackToDd() throws Exception {
        var a = LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("thin1").identifier("vg/a").sizeKib(1 << 20).build();
        var b = LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("thin1").identifier("vg/b").sizeKib(1 << 20).build();
        var c = LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("thin2").identifier("vg2/c").sizeKib(1 << 20).build();
        assertEquals(List.of("LVM_THIN_CLONE", "DD"), names(LinstorCloneAdapter.decide(a, b, null)));
        assertEquals(List.of("DD"), names(LinstorCloneAdapter.decide(a, c, null)));
    }

    @Test
    void badFactsAreVolcloneExceptions() {
        VolcloneException e = assertThrows(VolcloneException.class,
            () -> LinstorCloneAdapter.Volume.builder().providerKind("ZFS").storPoolName("p").identifier("p/a").build());
        assertEquals(VolcloneException.Status.INVALID_REQUEST, e.status());
        assertTrue(e.getMessage().contains("sizeKib"), e.getMessage());
        e = assertThrows(VolcloneException.class, () -> ZfsFacts.fromZfsGet("encryption\taes-256-gcm\nkeystatus\tweird\n"));
        assertTrue(e.getMessage().contains("keystatus weird"), e.getMessage());
        e = assertThrows(VolcloneException.class, () -> LinstorCloneAdapter.decide(
            LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("t").identifier("vg/b$(touch x)").sizeKib(8).build(),
            LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("t").identifier("vg/c").sizeKib(8).build(), null));
        assertEquals(VolcloneException.Status.INVALID_REQUEST, e.status());
        assertTrue(e.getMessage().contains("source.volume"), e.getMessage());
    }

    @Test
    void runCopiesFromTheSnapshotsDeviceWithDiskStateProgress(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        java.util.Arrays.fill(data, 1 << 20, 2 << 20, (byte) 0);
        // The "snapshot device" LINSTOR opened, and the live volume that has moved on since.
        Path snap = Files.write(dir.resolve("a_00000CF_5eed0001"), data);
        Path live = Files.write(dir.resolve("a.img"), new byte[3 << 20]);
        Path dst = Files.write(dir.resolve("b.img"), new byte[3 << 20]);
        var a = LinstorCloneAdapter.Volume.builder().providerKind("FILE_THIN").storPoolName("files").identifier(live.toString()).sizeKib(3 << 10).build();
        var b = LinstorCloneAdapter.Volume.builder().providerKind("FILE_THIN").storPoolName("files").identifier(dst.toString()).sizeKib(3 << 10).build();
        var d = LinstorCloneAdapter.decide(a, b, null);
        assertEquals("DD", d.chosen().orElseThrow().linstorName());
        List<String> states = new ArrayList<>();
        var report = LinstorCloneAdapter.run(d.chosen().orElseThrow().strategy(), a, b, null, "CF_5eed0001", snap.toString(), dst.toString(),
            true, new LinstorCloneAdapter.DiskState(states::add, 1000), null);
        assertEquals(CloneStrategy.BLOCK_COPY, report.strategy());
        assertArrayEquals(data, Files.readAllBytes(dst), "the target is the snapshot, not the live volume");
        assertEquals("Cloning(100.00%)", states.get(states.size() - 1), states.toString());
        var again = assertThrows(VolcloneException.class, () -> LinstorCloneAdapter.run(CloneStrategy.ZFS_COPY, a, b, null,
            "CF_5eed0001", snap.toString(), dst.toString(), false, null, null));
        assertEquals(VolcloneException.Status.NO_STRATEGY, again.status());
    }

    @Test
    void diskStateTextIsLocaleFree() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals("Cloning(42.00%)", LinstorCloneAdapter.DiskState.text(42, 100));
            assertEquals("Cloning(0.00%)", LinstorCloneAdapter.DiskState.text(0, 0));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }
}
