import io.volclone.CancelHandle;
import io.volclone.CloneExecutor;
import io.volclone.CloneStrategy;
import io.volclone.VolcloneException;
import io.volclone.linstor.LinstorCloneAdapter;
import io.volclone.linstor.LinstorCloneAdapter.Decision;
import io.volclone.linstor.LinstorCloneAdapter.Options;
import io.volclone.linstor.LinstorCloneAdapter.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A LINSTOR satellite's clone sequence (shared/linstor/FLOW.md), run for real in the OpenZFS VM
 * with volclone's public Java API only: the controller's CF_ snapshots of every volume of the
 * resource, the decision at startClone, openForClone (snapdev, pre-created target), the clone
 * in the JVM with progress and cancel, then postClone's cleanup. Prints "ok - ..." lines and
 * "N passed, M failed"; the exit status is the number of failures.
 */
public final class SatelliteFlow {
    private static int passed;
    private static int failed;

    private static void check(String what, boolean ok, String detail) {
        if (ok) {
            passed++;
            System.out.println("ok - " + what);
        } else {
            failed++;
            System.out.println("not ok - " + what + (detail.isEmpty() ? "" : ": " + detail));
        }
    }

    /** Runs a command (as the satellite's ExtCmd does), returns its stdout; fails loudly. */
    private static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + out.trim());
        }
        return out.trim();
    }

    private static String prop(String name, String property) throws Exception {
        return sh("zfs", "get", "-H", "-o", "value", property, name);
    }

    private static boolean exists(String name) throws InterruptedException, IOException {
        return new ProcessBuilder("zfs", "list", "-H", name).redirectErrorStream(true).start().waitFor() == 0;
    }

    private static Path dev(String name) throws Exception {
        // As LINSTOR's DeviceUtils.waitUntilDeviceVisible: wait for the path, not for udev's
        // whole queue (a source written meanwhile keeps that queue busy with change events).
        Path p = Path.of("/dev/zvol/" + name);
        for (int i = 0; i < 300 && !Files.exists(p); i++) {
            Thread.sleep(100);
        }
        return p;
    }

    private static String digest(Path device) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(device)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The controller: CF_ snapshots of every volume at one moment, with LINSTOR's properties. */
    private static void cloneSnapshots(List<String> sources, String cf, String cloneRsc) throws Exception {
        for (String s : sources) {
            sh("zfs", "snapshot", "-o", "linstor:clone_for=" + cloneRsc, "-o", "linstor:marked_for_deletion=true", s + "@" + cf);
        }
    }

    /** The content of a snapshot, read through snapdev=visible as openForClone would show it. */
    private static String snapshotDigest(String snapshot) throws Exception {
        String ds = snapshot.substring(0, snapshot.indexOf('@'));
        sh("zfs", "set", "snapdev=visible", ds);
        try {
            return digest(dev(snapshot));
        } finally {
            sh("zfs", "inherit", "snapdev", ds);
        }
    }

    /** A volume as LINSTOR's objects give it: the zpool apart from the bare identifier. */
    private static Volume zvol(String id, String provider, long kib) throws VolcloneException {
        int slash = id.indexOf('/');
        return Volume.builder().providerKind(provider).storPoolName("incus").layerKinds(List.of("DRBD", "STORAGE"))
            .zpool(id.substring(0, slash)).identifier(id.substring(slash + 1)).sizeKib(kib).drbdMetadata("internal").build();
    }

    /**
     * openForClone of the target: LINSTOR's zfs create [-s] -V <KiB>KB, then its device wait
     * (waitUntilDeviceCreated): a target whose device never appears fails the clone as in LINSTOR.
     */
    private static void openTarget(String tgt, boolean thin, long kib) throws Exception {
        List<String> argv = new ArrayList<>(List.of("zfs", "create"));
        if (thin) {
            argv.add("-s");
        }
        argv.addAll(List.of("-V", kib + "KB", "-o", "volmode=dev", tgt));
        sh(argv.toArray(new String[0]));
        if (!Files.exists(dev(tgt))) {
            throw new IOException("openForClone: the device of " + tgt + " did not appear");
        }
    }

    /** After a clone: the target's device is there and readable, as DRBD's attach needs it. */
    private static boolean usable(String tgt) throws Exception {
        return Files.isReadable(dev(tgt)) && prop(tgt, "keystatus").matches("available|-");
    }

    /** One volume's clone: decision, openForClone, run, with progress. */
    private static CloneExecutor.Report cloneVolume(String src, String tgt, String cf, boolean thickTarget, Options opts,
                                                    List<String> states, CancelHandle cancel) throws Exception {
        long kib = Long.parseLong(sh("zfs", "get", "-Hp", "-o", "value", "volsize", src)) / 1024;
        Volume s = zvol(src, "ZFS_THIN", kib);
        Volume t = zvol(tgt, thickTarget ? "ZFS" : "ZFS_THIN", kib);
        // LINSTOR's own set at the storage level (fixupCloneStrategyQuirks adds ZFS_CLONE with use-zfs-clone).
        java.util.Set<String> linstorSet = opts.useZfsClone() ? java.util.Set.of("ZFS_CLONE", "ZFS_COPY", "DD") : java.util.Set.of("ZFS_COPY", "DD");
        Decision d = LinstorCloneAdapter.decide(s, t, opts, linstorSet);
        var chosen = d.chosen().orElseThrow(() -> new IllegalStateException("no common clone strategy: " + d.rejectionSummary()));
        if (chosen.needsOpenDevices()) {
            openTarget(tgt, !thickTarget, kib);
        }
        return LinstorCloneAdapter.run(chosen.strategy(), s, t, opts, cf, null, null, false,
            new LinstorCloneAdapter.DiskState(states::add, 1000), cancel);
    }

    private static String leftovers() throws Exception {
        String all = sh("zfs", "list", "-H", "-o", "name", "-t", "all");
        return all.lines().filter(n -> n.contains("volclone-tmp")).reduce("", (a, b) -> a + b + " ").trim();
    }

    public static void main(String[] args) {
        // An exception ends the flow as a failure with the counts printed, never as a JVM left
        // waiting on a thread (System.exit ends the source writer too).
        try {
            flow();
        } catch (Throwable t) {
            failed++;
            System.out.println("not ok - the flow stopped on an exception: " + t);
            t.printStackTrace(System.out);
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(Math.min(failed, 95));
    }

    private static void flow() throws Exception {
        String p = "tmp-pool/incus";
        // 1. A two-volume resource cloned from its CF_ snapshots while the sources are written.
        List<String> srcs = List.of(p + "/vm_00000", p + "/vm_00001");
        List<String> tgts = List.of(p + "/vm-clone_00000", p + "/vm-clone_00001");
        cloneSnapshots(srcs, "CF_5eed0001", "vm-clone");
        List<String> want = new ArrayList<>();
        for (String s : srcs) {
            want.add(snapshotDigest(s + "@CF_5eed0001"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            byte[] junk = new byte[1 << 16];
            new java.util.Random(1).nextBytes(junk);
            for (int i = 0; !stop.get(); i++) {
                for (String s : srcs) {
                    try (var ch = java.nio.channels.FileChannel.open(Path.of("/dev/zvol/" + s), java.nio.file.StandardOpenOption.WRITE)) {
                        ch.write(java.nio.ByteBuffer.wrap(junk), (long) (i % 512) << 16);
                    } catch (IOException e) {
                        return;
                    }
                }
            }
        });
        writer.setDaemon(true);
        writer.start();
        try {
            for (int v = 0; v < 2; v++) {
                List<String> states = new ArrayList<>();
                CloneExecutor.Report r = cloneVolume(srcs.get(v), tgts.get(v), "CF_5eed0001", false, Options.defaults(), states, null);
                check("volume " + v + ": ZFS_COPY chosen on the encrypted pool", r.strategy() == CloneStrategy.ZFS_COPY, r.strategy().toString());
                check("volume " + v + ": disk state ends at Cloning(100.00%)", !states.isEmpty() && states.get(states.size() - 1).equals("Cloning(100.00%)"), states.toString());
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        for (int v = 0; v < 2; v++) {
            check("volume " + v + ": the target equals its CF_ snapshot", digest(dev(tgts.get(v))).equals(want.get(v)), "");
            check("volume " + v + ": the live source has moved on", !digest(dev(srcs.get(v))).equals(want.get(v)), "");
            check("volume " + v + ": target encrypted under " + p, prop(tgts.get(v), "encryptionroot").equals(p), prop(tgts.get(v), "encryptionroot"));
            check("volume " + v + ": target stays thin", prop(tgts.get(v), "refreservation").equals("none"), "");
            check("volume " + v + ": the CF_ snapshot is untouched", prop(srcs.get(v) + "@CF_5eed0001", "linstor:clone_for").equals("vm-clone"), "");
        }
        // postClone: LINSTOR deletes its snapshots.
        for (String s : srcs) {
            sh("zfs", "destroy", s + "@CF_5eed0001");
        }
        check("nothing of volclone's is left", leftovers().isEmpty(), leftovers());
        check("no snapshot of the resource is left", sh("zfs", "list", "-H", "-t", "snapshot", "-o", "name").lines()
            .noneMatch(n -> n.startsWith(p + "/vm")), "");

        // 2. A source whose key is not loaded (the scenario took its CF_10c0 snapshot, then
        // re-imported the pool loading only the other key): only a raw send can read it.
        String locked = "tmp-pool/locked/vm_00000";
        check("locked source: its key is unloaded", prop(locked, "keystatus").equals("unavailable"), prop(locked, "keystatus"));
        // LINSTOR's full snapshot name as getZFSCloneSnapshotNameFull returns it: <identifier>@CF_<hex>.
        CloneExecutor.Report raw = cloneVolume(locked, p + "/locked-clone_00000", "vm_00000@CF_10c0", false, Options.defaults(), new ArrayList<>(), null);
        check("locked source: ZFS_RAW_COPY", raw.strategy() == CloneStrategy.ZFS_RAW_COPY, raw.strategy().toString());
        // No hand load-key: the clone's key was loaded from the source's key location.
        check("locked source: the clone is usable at once (device, key loaded)", usable(p + "/locked-clone_00000"), prop(p + "/locked-clone_00000", "keystatus"));
        String clonedSum = digest(dev(p + "/locked-clone_00000"));
        sh("zfs", "load-key", "tmp-pool/locked"); // only to read the source's snapshot for the comparison
        check("locked source: the target equals the snapshot", clonedSum.equals(snapshotDigest(locked + "@CF_10c0")), "");
        sh("zfs", "destroy", locked + "@CF_10c0");
        // A locked source whose key can only be typed in: a raw copy would leave LINSTOR an unusable
        // volume, so it is rejected with that reason, and nothing can be chosen.
        String prompted = "tmp-pool/prompted/vm_00000";
        check("prompted source: its key is unloaded", prop(prompted, "keystatus").equals("unavailable"), prop(prompted, "keystatus"));
        Decision pd = LinstorCloneAdapter.decide(zvol(prompted, "ZFS_THIN", 65536), zvol(p + "/prompted-clone_00000", "ZFS_THIN", 65536), null,
            java.util.Set.of("ZFS_COPY", "DD"));
        check("prompted source: no strategy", pd.chosen().isEmpty(), pd.toString());
        check("prompted source: raw rejected because its key cannot be loaded here",
            pd.rejectionSummary().contains("ZFS_RAW_COPY: in LINSTOR's flow the clone must be usable at once"), pd.rejectionSummary());
        check("prompted source: nothing was created", !exists(p + "/prompted-clone_00000"), "");
        sh("zfs", "destroy", prompted + "@CF_9a55");

        // 3. use-zfs-clone on one pool: a zfs clone of the CF_ snapshot, no pre-created target.
        cloneSnapshots(List.of(srcs.get(0)), "CF_c10e", "zc");
        CloneExecutor.Report zc = cloneVolume(srcs.get(0), p + "/zc_00000", "CF_c10e", false,
            new Options(true, false, List.of(), 0), new ArrayList<>(), null);
        check("use-zfs-clone: ZFS_CLONE", zc.strategy() == CloneStrategy.ZFS_CLONE, zc.strategy().toString());
        check("use-zfs-clone: its origin is the CF_ snapshot", prop(p + "/zc_00000", "origin").equals(srcs.get(0) + "@CF_c10e"), "");

        // 4. A thick target keeps its reservation.
        cloneSnapshots(List.of(srcs.get(1)), "CF_7h1c", "thick");
        cloneVolume(srcs.get(1), p + "/thick_00000", "CF_7h1c", true, Options.defaults(), new ArrayList<>(), null);
        check("thick target: identical", digest(dev(p + "/thick_00000")).equals(snapshotDigest(srcs.get(1) + "@CF_7h1c")), "");
        check("thick target: keeps a refreservation", !prop(p + "/thick_00000", "refreservation").equals("none"), "");
        sh("zfs", "destroy", srcs.get(1) + "@CF_7h1c");

        // 5. Cancel in the middle, as CloneService.cleanupActiveClones does at shutdown: the
        // daemon's shutdown() waits for volclone (cancelAndAwait), then LINSTOR tears the devices
        // down at once (snapdev hidden, CF_ snapshot destroyed): nothing destroyed under a running
        // copy, nothing left.
        String cf5 = LinstorCloneAdapter.cloneSnapshotName("cancelled", 0);
        cloneSnapshots(List.of(srcs.get(1)), cf5, "cancelled");
        String cancelled = p + "/cancelled_00000";
        CancelHandle cancel = new CancelHandle();
        java.util.concurrent.atomic.AtomicReference<Throwable> end = new java.util.concurrent.atomic.AtomicReference<>();
        Volume cs = zvol(srcs.get(1), "ZFS_THIN", 65536);
        Volume ct = zvol(cancelled, "ZFS_THIN", 65536);
        openTarget(cancelled, true, 65536);
        java.util.concurrent.CountDownLatch streaming = new java.util.concurrent.CountDownLatch(1);
        Thread daemon = new Thread(() -> {
            try {
                LinstorCloneAdapter.run(CloneStrategy.ZFS_COPY, cs, ct, new Options(false, false, List.of(), 4 << 20), cf5, null, null, false,
                    (phase, done, total, rate) -> {
                        if (done > (1 << 20)) {
                            streaming.countDown();
                        }
                    }, cancel);
            } catch (Throwable x) {
                end.set(x);
            }
            streaming.countDown();
        });
        daemon.start();
        streaming.await(60, java.util.concurrent.TimeUnit.SECONDS); // the stream runs
        boolean stopped = cancel.cancelAndAwait(60_000);
        String leftAtReturn = leftovers();
        sh("zfs", "set", "snapdev=hidden", srcs.get(1));
        sh("zfs", "destroy", srcs.get(1) + "@" + cf5);
        daemon.join(10_000);
        check("cancel: cancelAndAwait returns once volclone has stopped", stopped && !cancel.isRunning(), "");
        check("cancel: when it returns, volclone has undone its work", leftAtReturn.isEmpty(), leftAtReturn);
        check("cancel: the clone ended CANCELLED", end.get() instanceof VolcloneException ve && ve.status() == VolcloneException.Status.CANCELLED, String.valueOf(end.get()));
        check("cancel: the pre-created target is still there and empty", exists(cancelled)
            && Long.parseLong(sh("zfs", "get", "-Hp", "-o", "value", "logicalreferenced", cancelled)) < (1 << 20), "");
        cancel.cancel();
        cancel.close();
        cancel.cancel(); // shutdown() of a clone that ended and was closed: nothing thrown
        check("cancel: cancel() after completion and after close() do nothing", true, "");
        // The cancelled clone's LINSTOR cleanup removes the target resource.
        sh("zfs", "destroy", cancelled);

        // 5b. Tier (b): the minimal fork, CloneDaemon running volclone's argv for ZFS_COPY, and its
        // shutdown() (SIGTERM) mid-stream, then LINSTOR's retry.
        String cf5b = LinstorCloneAdapter.cloneSnapshotName("argv-clone", 0);
        cloneSnapshots(List.of(srcs.get(1)), cf5b, "argv-clone");
        String argvTgt = p + "/argv-clone_00000";
        String wantArgv = snapshotDigest(srcs.get(1) + "@" + cf5b);
        openTarget(argvTgt, true, 65536);
        // (its output goes to a file: destroy() closes the process's streams)
        Path killedLog = Files.createTempFile("volclone-killed", ".log");
        Process killed = new ProcessBuilder("/host/volclone", "clone", "--quiet", "--rate", "4M", srcs.get(1) + "@" + cf5b, argvTgt)
            .redirectErrorStream(true).redirectOutput(killedLog.toFile()).start();
        Thread.sleep(3000);
        killed.destroy(); // SIGTERM, as CloneDaemon.shutdown()
        int killedStatus = killed.waitFor();
        String killedOut = Files.readString(killedLog);
        check("tier (b): SIGTERM ends volclone with a failure status", killedStatus == 1, killedOut);
        check("tier (b): after the SIGTERM nothing of volclone's is left", leftovers().isEmpty(), leftovers());
        Process again = new ProcessBuilder("/host/volclone", "clone", "--quiet", srcs.get(1) + "@" + cf5b, argvTgt).redirectErrorStream(true).start();
        String againOut = new String(again.getInputStream().readAllBytes());
        check("tier (b): the retry succeeds", again.waitFor() == 0, againOut);
        check("tier (b): the target equals the CF_ snapshot", digest(dev(argvTgt)).equals(wantArgv), "");
        check("tier (b): the CF_ snapshot is LINSTOR's, untouched", prop(srcs.get(1) + "@" + cf5b, "linstor:clone_for").equals("argv-clone"), "");
        sh("zfs", "destroy", srcs.get(1) + "@" + cf5b);

        // 6. The target pool runs out of space: a clear error, LINSTOR's cleanup leaves nothing.
        String big = p + "/big_00000";
        cloneSnapshots(List.of(big), "CF_f011", "full");
        String bigSum = snapshotDigest(big + "@CF_f011");
        VolcloneException full = null;
        try {
            Volume s = zvol(big, "ZFS_THIN", 98304);
            Volume t = Volume.builder().providerKind("ZFS_THIN").storPoolName("tiny").layerKinds(List.of("DRBD", "STORAGE"))
                .identifier("tiny/enc/full_00000").sizeKib(98304).drbdMetadata("internal").build();
            Decision d = LinstorCloneAdapter.decide(s, t, null);
            var chosen = d.chosen().orElseThrow(() -> new IllegalStateException("no strategy: " + d.rejectionSummary()));
            openTarget("tiny/enc/full_00000", true, 98304);
            LinstorCloneAdapter.run(chosen.strategy(), s, t, null, "CF_f011", null, null, false, null, null);
        } catch (VolcloneException x) {
            full = x;
        }
        check("out of space: COMMAND_FAILED", full != null && full.status() == VolcloneException.Status.COMMAND_FAILED, String.valueOf(full));
        check("out of space: the message says so", full != null && full.getMessage().toLowerCase(java.util.Locale.ROOT).contains("space"), String.valueOf(full));
        check("out of space: nothing of volclone's is left", leftovers().isEmpty(), leftovers());
        sh("zfs", "destroy", "tiny/enc/full_00000");
        check("out of space: the source is untouched", digest(dev(big)).equals(bigSum), "");
        sh("zfs", "destroy", big + "@CF_f011");
        check("every snapshot was LINSTOR's and is gone", sh("zfs", "list", "-H", "-t", "snapshot", "-o", "name")
            .lines().allMatch(n -> n.startsWith(srcs.get(0) + "@CF_c10e")), sh("zfs", "list", "-H", "-t", "snapshot", "-o", "name"));
    }
}
