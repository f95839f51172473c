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
        // ZFS_RAW_COPY: its key (file:///k) cannot be loaded on this node, so LINSTOR could not use the clone.
        assertEquals(List.of("ZFS_COPY", "DD"), names(d));
        assertEquals(List.of(10, 90), d.choices().stream().map(LinstorCloneAdapter.Choice::priority).toList());
        assertTrue(d.rejectionSummary().contains("ZFS_CLONE"), d.rejectionSummary());
        assertTrue(d.rejectionSummary().contains("ZFS_RAW_COPY: in LINSTOR's flow"), d.rejectionSummary());
        var withClone = LinstorCloneAdapter.decide(zvol("tmp-pool/incus/a", enc), zvol("tmp-pool/incus/b", enc),
            new LinstorCloneAdapter.Options(true, false, List.of(), 0));
        assertEquals(List.of("ZFS_CLONE", "ZFS_COPY", "DD"), names(withClone));
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
    void badFactsAreVolcloneExceptions() throws Exception {
        VolcloneException e = assertThrows(VolcloneException.class,
            () -> LinstorCloneAdapter.Volume.builder().providerKind("ZFS").storPoolName("p").identifier("p/a").build());
        assertEquals(VolcloneException.Status.INVALID_REQUEST, e.status());
        assertTrue(e.getMessage().contains("sizeKib"), e.getMessage());
        e = assertThrows(VolcloneException.class, () -> ZfsFacts.fromZfsGet("encryption\taes-256-gcm\nkeystatus\tweird\n"));
        assertTrue(e.getMessage().contains("keystatus weird"), e.getMessage());
        // A name no command may take: a decision with nothing chosen, and why (request v1 accepts it).
        var d = LinstorCloneAdapter.decide(
            LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("t").identifier("vg/b$(touch x)").sizeKib(8).build(),
            LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("t").identifier("vg/c").sizeKib(8).build(), null);
        assertTrue(d.chosen().isEmpty(), d.toString());
        assertTrue(d.rejectionSummary().contains("source.volume"), d.rejectionSummary());
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

    // ---- What LINSTOR's objects give (issue: a fork written from the docs must work) ----

    @Test
    void cloneSnapshotNamesAreLinstorsHashOfTheClonesResourceAndVolume() {
        // Java's String.hashCode of "<cloneRsc>_<vlmNr>", in hex, computed apart (Python) from LINSTOR's formula.
        assertEquals("CF_313650b8", LinstorCloneAdapter.cloneSnapshotName("vm-clone", 0));
        assertEquals("CF_90f72d5e", LinstorCloneAdapter.cloneSnapshotName("incus-clone-of-vm", 1)); // negative hash: unsigned hex
        assertEquals("CF_1ce29", LinstorCloneAdapter.cloneSnapshotName("x", 0)); // no zero padding
        // LINSTOR's full names reduce to the snapshot part.
        assertEquals("CF_313650b8", LinstorCloneAdapter.snapshotPart("vm_00000@CF_313650b8"));
        assertEquals("CF_313650b8", LinstorCloneAdapter.snapshotPart("vm_00000_CF_313650b8"));
        assertEquals("CF_313650b8", LinstorCloneAdapter.snapshotPart("CF_313650b8"));
    }

    @Test
    void bareIdentifiersTakeTheirZpoolOrVolumeGroup() throws Exception {
        ZfsFacts plain = ZfsFacts.plain();
        var z = LinstorCloneAdapter.Volume.builder().providerKind("ZFS_THIN").storPoolName("p").zpool("tank").identifier("vm_00000")
            .sizeKib(1024).zfs(plain).build();
        assertEquals("tank/vm_00000", z.identifier());
        var full = LinstorCloneAdapter.Volume.builder().providerKind("ZFS_THIN").storPoolName("p").zpool("tank").identifier("tank/vm_00000")
            .sizeKib(1024).zfs(plain).build();
        assertEquals("tank/vm_00000", full.identifier(), "a full identifier is not prefixed twice");
        var lv = LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("p").volumeGroup("vg").identifier("vm_00000").sizeKib(1024).build();
        assertEquals("vg/vm_00000", lv.identifier());
        VolcloneException e = assertThrows(VolcloneException.class, () -> LinstorCloneAdapter.Volume.builder().providerKind("ZFS")
            .storPoolName("p").identifier("vm_00000").sizeKib(1024).zfs(plain).build());
        assertTrue(e.getMessage().contains("getFullQualifiedLvIdentifier") && e.getMessage().contains("zpool("), e.getMessage());
        e = assertThrows(VolcloneException.class, () -> LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN")
            .storPoolName("p").identifier("vm_00000").sizeKib(1024).build());
        assertTrue(e.getMessage().contains("getVolumeGroup"), e.getMessage());
    }

    private static LinstorCloneAdapter.Volume lvm(String lv, String... layers) throws VolcloneException {
        return LinstorCloneAdapter.Volume.builder().providerKind("LVM_THIN").storPoolName("thin").layerKinds(List.of(layers))
            .volumeGroup("vg").identifier(lv).sizeKib(1 << 20).build();
    }

    @Test
    void luksOntoPlainIsRefusedByDefaultAndDoneAsLinstorDoesWhenAsked() throws Exception {
        var src = lvm("a", "LUKS", "STORAGE");
        var dst = lvm("b", "STORAGE");
        var strict = LinstorCloneAdapter.decide(src, dst, LinstorCloneAdapter.Options.defaults());
        assertTrue(strict.chosen().isEmpty(), strict.toString());
        assertTrue(strict.rejectionSummary().contains("allow_decrypt"), strict.rejectionSummary());
        var linstor = LinstorCloneAdapter.decide(src, dst, LinstorCloneAdapter.Options.linstorCompatible());
        assertEquals("DD", linstor.chosen().orElseThrow().linstorName());
        assertTrue(linstor.chosen().orElseThrow().reason().contains("stored decrypted"), linstor.chosen().orElseThrow().reason());
    }

    @Test
    void aDecisionNeverLeavesWhatLinstorsLevelCanExecute() throws Exception {
        ZfsFacts enc = ZfsFacts.fromZfsGet(ENCRYPTED);
        var a = zvol("tmp-pool/incus/a", enc);
        var b = zvol("tmp-pool/incus/b", enc);
        // The storage level: LINSTOR's own set.
        var storage = LinstorCloneAdapter.decide(a, b, null, java.util.Set.of("ZFS_COPY", "DD"));
        assertEquals("ZFS_COPY", storage.chosen().orElseThrow().linstorName());
        // DRBD's level (metadata kinds differ): LINSTOR's DRBD layer executes nothing there.
        var drbd = LinstorCloneAdapter.decide(a, b, null, java.util.Set.of());
        assertTrue(drbd.chosen().isEmpty(), drbd.toString());
        assertTrue(drbd.rejectionSummary().contains("ZFS_COPY: not executable at LINSTOR's decision level") && drbd.rejectionSummary().contains("offers nothing"),
            drbd.rejectionSummary());
        // Through LUKS: DD only.
        var luks = LinstorCloneAdapter.decide(a, b, null, java.util.Set.of("DD"));
        assertEquals(List.of("DD"), names(luks));
    }

    @Test
    void aRawCopyIsChosenOnlyWhereItsKeyCanBeLoadedHere(@TempDir Path dir) throws Exception {
        Path key = Files.write(dir.resolve("k"), new byte[32]);
        var src = zvol("tmp-pool/incus/a", new ZfsFacts("aes-256-gcm", "tmp-pool/incus", ZfsFacts.KeyStatus.AVAILABLE, "file://" + key));
        var dst = zvol("tmp-pool/incus/b", new ZfsFacts("aes-256-gcm", "tmp-pool/incus", ZfsFacts.KeyStatus.AVAILABLE, null));
        var opts = new LinstorCloneAdapter.Options(false, false, List.of(CloneStrategy.ZFS_COPY), 0);
        assertEquals("ZFS_RAW_COPY", LinstorCloneAdapter.decide(src, dst, opts).chosen().orElseThrow().linstorName());
        var gone = zvol("tmp-pool/incus/a", new ZfsFacts("aes-256-gcm", "tmp-pool/incus", ZfsFacts.KeyStatus.AVAILABLE, "file:///nonexistent/key"));
        var d = LinstorCloneAdapter.decide(gone, dst, opts);
        assertEquals("DD", d.chosen().orElseThrow().linstorName());
        assertTrue(d.rejectionSummary().contains("ZFS_RAW_COPY: in LINSTOR's flow the clone must be usable at once"), d.rejectionSummary());
    }

    @Test
    void cancelAndAwaitReturnsOnlyOnceTheCopyHasStopped(@TempDir Path dir) throws Exception {
        Path src = Files.write(dir.resolve("s"), new byte[32 << 20]);
        Files.write(src, new Random(9).ints(8 << 20).collect(java.io.ByteArrayOutputStream::new, (o, v) -> o.write(v), (x, y) -> { }).toByteArray());
        Path dst = Files.write(dir.resolve("t"), new byte[32 << 20]);
        var a = LinstorCloneAdapter.Volume.builder().providerKind("FILE_THIN").storPoolName("f").identifier(src.toString()).sizeKib(8 << 10).build();
        var b = LinstorCloneAdapter.Volume.builder().providerKind("FILE_THIN").storPoolName("f").identifier(dst.toString()).sizeKib(32 << 10).build();
        var opts = new LinstorCloneAdapter.Options(false, false, List.of(), 2 << 20);
        io.volclone.CancelHandle c = new io.volclone.CancelHandle();
        java.util.concurrent.atomic.AtomicReference<Throwable> end = new java.util.concurrent.atomic.AtomicReference<>();
        Thread daemon = new Thread(() -> {
            try {
                LinstorCloneAdapter.run(CloneStrategy.BLOCK_COPY, a, b, opts, "CF_1", src.toString(), dst.toString(), false, null, c);
            } catch (Throwable t) {
                end.set(t);
            }
        });
        daemon.start();
        while (!c.isRunning()) {
            Thread.sleep(10);
        }
        Thread.sleep(300);
        assertTrue(c.cancelAndAwait(10_000), "the copy stopped in time");
        assertTrue(!c.isRunning());
        daemon.join(5000);
        assertTrue(end.get() instanceof VolcloneException ve && ve.status() == VolcloneException.Status.CANCELLED, String.valueOf(end.get()));
        c.close();
        c.cancel(); // shutdown() of a finished clone: no exception
        assertTrue(c.cancelAndAwait(0));
    }
}
