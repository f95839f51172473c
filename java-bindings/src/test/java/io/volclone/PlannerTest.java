package io.volclone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {
    @Test
    void seedCaseFromJavaPicksZfsCopyWithoutForcedReceive() throws Exception {
        ClonePlan plan = ClonePlanner.plan(Fixtures.seed());
        assertEquals(CloneStrategy.ZFS_COPY, plan.chosen().orElseThrow());
        assertEquals(List.of(CloneStrategy.ZFS_COPY, CloneStrategy.ZFS_RAW_COPY, CloneStrategy.BLOCK_COPY),
            plan.candidates().stream().map(ClonePlan.Candidate::strategy).toList());
        ClonePlan.Candidate c = plan.candidates().get(0);
        assertTrue(c.needsOpenDevices());
        assertEquals(10, c.priority());
        assertTrue(c.steps().stream().noneMatch(s -> s.command().contains("receive -F")), c.steps().toString());
        assertTrue(c.steps().stream().anyMatch(s -> s.op().equals("zfs_destroy_empty")));
        assertTrue(plan.rejection(CloneStrategy.ZFS_CLONE).orElseThrow().contains("use_zfs_clone"));
    }

    @Test
    void javaBuildersProduceTheSameRequestAsTheSeedFile() throws Exception {
        String file = Files.readString(Path.of("core/requests/seed-incus-2075.json"));
        ClonePlan fromFile = ClonePlanner.planJson(file);
        ClonePlan fromJava = ClonePlanner.plan(Fixtures.seed());
        assertEquals(fromFile.chosen(), fromJava.chosen());
        assertEquals(fromFile.candidates().get(0).steps(), fromJava.candidates().get(0).steps());
    }

    @Test
    void stockModeShowsLinstorsFailingReceive() throws Exception {
        CloneRequest stock = new CloneRequest(Fixtures.seedSide("tmp-pool/incus/a", true), Fixtures.seedSide("tmp-pool/incus/b", true),
            PlanOptions.builder().linstorStock(true).build());
        ClonePlan plan = ClonePlanner.plan(stock);
        ClonePlan.Candidate c = plan.candidates().get(0);
        assertEquals(CloneStrategy.ZFS_COPY, c.strategy());
        assertTrue(c.steps().get(1).command().contains("zfs receive -F"));
        assertTrue(c.warning().contains("cannot be used to destroy an encrypted filesystem"));
    }

    @Test
    void noStrategyIsAPlanNotAnException() throws Exception {
        VolumeFacts small = VolumeFacts.builder().provider("LVM").storagePool("p").volume("vg/t").sizeBytes(4096).build();
        VolumeFacts src = VolumeFacts.builder().provider("LVM").storagePool("p").volume("vg/s").sizeBytes(1 << 20).build();
        ClonePlan plan = ClonePlanner.plan(new CloneRequest(src, small, null));
        assertFalse(plan.chosen().isPresent());
        assertEquals(5, plan.rejected().size());
        assertTrue(plan.rejection(CloneStrategy.BLOCK_COPY).orElseThrow().contains("4096 bytes"));
    }

    @Test
    void malformedAndInconsistentRequestsThrowWithTheField() throws VolcloneException {
        VolcloneException e = assertThrows(VolcloneException.class, () -> ClonePlanner.planJson("{\"version\": 1,\n \"source\": ["));
        assertEquals(VolcloneException.Status.INVALID_REQUEST, e.status());
        assertTrue(e.getMessage().contains("line 2 column"), e.getMessage());
        VolumeFacts noZfs = VolumeFacts.builder().provider("ZFS").storagePool("p").volume("tank/a").sizeBytes(1 << 20).build();
        VolcloneException e2 = assertThrows(VolcloneException.class, () -> ClonePlanner.plan(new CloneRequest(noZfs, noZfs, null)));
        assertTrue(e2.getMessage().contains("`zfs` facts are required"), e2.getMessage());
        VolcloneException e3 = assertThrows(VolcloneException.class,
            () -> ClonePlanner.planJson(Fixtures.seed().toJson().replace("ZFS_THIN", "ZFS_THICK")));
        assertTrue(e3.getMessage().contains("unknown variant `ZFS_THICK`"), e3.getMessage());
    }

    @Test
    void strategiesCarryLinstorNamesAndPriorities() throws VolcloneException {
        assertEquals("DD", CloneStrategy.BLOCK_COPY.linstorName());
        assertEquals("ZFS_RAW_COPY", CloneStrategy.ZFS_RAW_COPY.linstorName(), "never the ZFS_COPY it is not");
        VolcloneException bad = assertThrows(VolcloneException.class, () -> CloneStrategy.fromName("ZFS_THICK"));
        assertEquals(VolcloneException.Status.INVALID_ARGUMENT, bad.status());
        assertEquals(CloneStrategy.BLOCK_COPY, CloneStrategy.fromName("DD"));
        assertEquals(90, CloneStrategy.BLOCK_COPY.priority());
        assertFalse(CloneStrategy.ZFS_CLONE.needsOpenDevices());
    }

    /** Request format v1 is a contract: every request of the corpus the first 0.1.0 accepted plans here too. */
    @Test
    void everyV1RequestTheFirstReleaseAcceptedPlans() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("tests/v1-corpus/requests");
        int n = 0;
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path f : files.sorted().toList()) {
                ClonePlan p = ClonePlanner.planJson(java.nio.file.Files.readString(f));
                org.junit.jupiter.api.Assertions.assertTrue(p.chosen().isPresent() || !p.rejected().isEmpty(), f.toString());
                n++;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(n >= 400, "corpus of " + n);
    }
}
