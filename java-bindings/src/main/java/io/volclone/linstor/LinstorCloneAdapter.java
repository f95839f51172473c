package io.volclone.linstor;

import io.volclone.CancelHandle;
import io.volclone.ClonePlan;
import io.volclone.ClonePlanner;
import io.volclone.CloneExecutor;
import io.volclone.CloneRequest;
import io.volclone.CloneStrategy;
import io.volclone.CopyOptions;
import io.volclone.PlanOptions;
import io.volclone.ProgressListener;
import io.volclone.VolcloneException;
import io.volclone.VolumeFacts;
import io.volclone.ZfsFacts;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a forked LINSTOR satellite calls, at the two places of its clone sequence (see the
 * README's LINSTOR section, which follows the satellite step by step):
 * <ol>
 *   <li>{@link #decide} in {@code DeviceHandlerImpl.startClone}, in place of
 *       {@code getCloneStrategy} and {@code fixupCloneStrategyQuirks}: the facts the satellite has
 *       then (no device paths, the target not on disk yet), the ZFS encryption facts read by the
 *       library, and the ordered strategies with LINSTOR's enum names and priorities, each with
 *       its reason, and every rejection;</li>
 *   <li>{@link #run} in {@code CloneService.startClone}, after {@code openForClone}: the chosen
 *       strategy run in the JVM from the {@code CF_} snapshot onto the device paths LINSTOR set,
 *       with progress for the disk state ({@link DiskState}) and cancel.</li>
 * </ol>
 * Every failure, bad facts included, is a {@link VolcloneException} with a status.
 */
public final class LinstorCloneAdapter {
    private LinstorCloneAdapter() {}

    /**
     * One volume as the satellite knows it. With LUKS in the stack, give the provider kind and
     * storage pool of the storage layer below it (the LUKS volume object has neither).
     */
    public static final class Volume {
        private final String providerKind;
        private final String storPoolName;
        private final List<String> layerKinds;
        private final String identifier;
        private final long sizeKib;
        private final String drbdMetadata;
        private final ZfsFacts zfs;

        private Volume(Builder b) {
            providerKind = b.providerKind;
            storPoolName = b.storPoolName;
            layerKinds = List.copyOf(b.layerKinds);
            identifier = b.identifier;
            sizeKib = b.sizeKib;
            drbdMetadata = b.drbdMetadata;
            zfs = b.zfs;
        }

        /** A new builder. */
        public static Builder builder() {
            return new Builder();
        }

        boolean zfsProvider() {
            return providerKind.equals("ZFS") || providerKind.equals("ZFS_THIN");
        }

        /** The facts for a request; ZFS encryption facts read from ZFS unless given. */
        VolumeFacts facts(boolean exists, String snapshot, String devicePath) throws VolcloneException {
            ZfsFacts z = zfs;
            if (z == null && zfsProvider()) {
                z = ZfsFacts.read(identifier).zfs();
            }
            // The snapshot is named where the provider has snapshots; elsewhere its device path is
            // the point in time.
            boolean snapshots = zfsProvider() || providerKind.startsWith("LVM");
            VolumeFacts.Builder b = VolumeFacts.builder().provider(providerKind).storagePool(storPoolName)
                .layers(layerKinds.toArray(new String[0])).volume(identifier).sizeBytes(Math.multiplyExact(sizeKib, 1024L))
                .exists(exists).snapshot(snapshots ? snapshot : null).devicePath(devicePath).zfs(zfsProvider() ? z : null);
            if (drbdMetadata != null) {
                b.drbdMetadata(drbdMetadata);
            }
            return b.build();
        }

        /** Builds a {@link Volume}. */
        public static final class Builder {
            private String providerKind;
            private String storPoolName;
            private List<String> layerKinds = List.of("STORAGE");
            private String identifier;
            private long sizeKib = -1;
            private String drbdMetadata;
            private ZfsFacts zfs;

            private Builder() {}

            /** {@code DeviceProviderKind#name()} of the storage layer: ZFS, ZFS_THIN, LVM_THIN, FILE_THIN, ... */
            public Builder providerKind(String v) {
                providerKind = v;
                return this;
            }

            /** The storage pool's name (of the storage layer). */
            public Builder storPoolName(String v) {
                storPoolName = v;
                return this;
            }

            /** The layer stack, top to bottom: {@code DeviceLayerKind#name()}s (DRBD, LUKS, STORAGE). */
            public Builder layerKinds(List<String> v) {
                layerKinds = List.copyOf(v);
                return this;
            }

            /** {@code zpool/dataset} for ZFS, {@code vg/lv} for LVM, the file for FILE. */
            public Builder identifier(String v) {
                identifier = v;
                return this;
            }

            /**
             * The storage volume's size in KiB as LINSTOR has it ({@code getExpectedSize()} of the
             * storage layer's volume: with DRBD and internal metadata, the gross size).
             */
            public Builder sizeKib(long v) {
                sizeKib = v;
                return this;
            }

            /** {@code internal} (LINSTOR's default with DRBD), {@code external} or {@code none}. */
            public Builder drbdMetadata(String v) {
                drbdMetadata = v;
                return this;
            }

            /** ZFS encryption facts when the caller has them; else the library reads them from ZFS. */
            public Builder zfs(ZfsFacts v) {
                zfs = v;
                return this;
            }

            /**
             * The volume.
             *
             * @throws VolcloneException INVALID_REQUEST naming the missing field
             */
            public Volume build() throws VolcloneException {
                String missing = providerKind == null ? "providerKind" : storPoolName == null ? "storPoolName"
                    : identifier == null ? "identifier" : null;
                if (missing != null) {
                    throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(), missing + " is required", null);
                }
                if (sizeKib <= 0) {
                    throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(),
                        "sizeKib is " + sizeKib + ": give LINSTOR's size of the volume in KiB", null);
                }
                return new Volume(this);
            }
        }
    }

    /**
     * The caller's choices (LINSTOR properties and the fork's own settings).
     *
     * @param useZfsClone LINSTOR's {@code use-zfs-clone}
     * @param allowDecrypt allow storing an encrypted source as plaintext
     * @param forbid strategies not to use
     * @param rateLimit bytes per second at most for a clone's stream or copy; 0 for none
     */
    public record Options(boolean useZfsClone, boolean allowDecrypt, List<CloneStrategy> forbid, long rateLimit) {
        /** LINSTOR's defaults: no {@code use-zfs-clone}, no decryption, nothing forbidden, no limit. */
        public static Options defaults() {
            return new Options(false, false, List.of(), 0);
        }
    }

    /**
     * One usable strategy.
     *
     * @param linstorName the name in LINSTOR's {@code CloneStrategy} enum ({@code DD} for the block
     *        copy; {@code ZFS_RAW_COPY} is the value a fork adds)
     * @param priority LINSTOR's priority number (lowest wins)
     */
    public record Choice(String linstorName, CloneStrategy strategy, int priority, boolean needsOpenDevices, String reason) {}

    /** The decision: usable strategies best first, the rejected ones with reasons, the whole plan. */
    public record Decision(List<Choice> choices, List<ClonePlan.Rejection> rejected, ClonePlan plan) {
        /** The strategy to run, or empty. */
        public Optional<Choice> chosen() {
            return choices.isEmpty() ? Optional.empty() : Optional.of(choices.get(0));
        }

        /** Why each strategy was rejected, in one line (for LINSTOR's "no common clone strategy"). */
        public String rejectionSummary() {
            StringBuilder b = new StringBuilder();
            for (ClonePlan.Rejection r : rejected) {
                b.append(b.length() > 0 ? "; " : "").append(r.strategy().linstorName()).append(": ").append(r.reason());
            }
            return b.toString();
        }
    }

    private static PlanOptions planOptions(Options o, EnumSet<CloneStrategy> forbid, String zfsVersion) {
        forbid.addAll(o.forbid());
        return PlanOptions.builder().useZfsClone(o.useZfsClone()).allowDecrypt(o.allowDecrypt())
            .forbid(forbid.toArray(new CloneStrategy[0])).zfsVersion(zfsVersion).build();
    }

    private static String zfsVersion(Volume v) throws VolcloneException {
        return v.zfsProvider() && v.zfs == null ? ZfsFacts.read(v.identifier).zfsVersion() : null;
    }

    /**
     * The decision at {@code DeviceHandlerImpl.startClone}: the target is not on disk yet (LINSTOR
     * creates it in {@code openForClone} for the strategies that need open devices), and no
     * device path is known. For a ZFS target that does not exist, the encryption facts are what
     * it will inherit from its parent.
     */
    public static Decision decide(Volume source, Volume target, Options options) throws VolcloneException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Options o = options == null ? Options.defaults() : options;
        CloneRequest req = new CloneRequest(source.facts(true, null, null), target.facts(false, null, null),
            planOptions(o, EnumSet.noneOf(CloneStrategy.class), zfsVersion(source)));
        ClonePlan plan = ClonePlanner.plan(req);
        List<Choice> choices = new ArrayList<>();
        for (ClonePlan.Candidate c : plan.candidates()) {
            choices.add(new Choice(c.strategy().linstorName(), c.strategy(), c.priority(), c.needsOpenDevices(), c.reason()));
        }
        return new Decision(List.copyOf(choices), plan.rejected(), plan);
    }

    /**
     * Runs {@code strategy} at {@code CloneService.startClone}: from LINSTOR's snapshot
     * {@code cloneSnapshot} ({@code CF_<hex>}, taken for the whole resource; never changed or
     * destroyed here), onto the target as {@code openForClone} left it (pre-created when the
     * strategy needs open devices). The device paths are the ones {@code openForClone} set
     * (null where it set none); through LUKS the source path is LINSTOR's opened
     * {@code /dev/mapper/...CF_...}. Exactly {@code strategy} runs: if the facts no longer allow
     * it, NO_STRATEGY says why.
     *
     * @param verify re-read both sides of a block copy afterwards
     * @param listener progress (see {@link DiskState}), or null
     * @param cancel stops the clone and undoes what it made, or null
     */
    public static CloneExecutor.Report run(CloneStrategy strategy, Volume source, Volume target, Options options,
                                           String cloneSnapshot, String sourceDevicePath, String targetDevicePath,
                                           boolean verify, ProgressListener listener, CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(cloneSnapshot, "cloneSnapshot");
        Options o = options == null ? Options.defaults() : options;
        EnumSet<CloneStrategy> others = EnumSet.complementOf(EnumSet.of(strategy));
        CloneRequest req = new CloneRequest(source.facts(true, cloneSnapshot, sourceDevicePath),
            target.facts(strategy.needsOpenDevices(), null, targetDevicePath), planOptions(o, others, zfsVersion(source)));
        return CloneExecutor.execute(req, CopyOptions.builder().verify(verify).build(), o.rateLimit(), listener, cancel);
    }

    /**
     * The volume disk state LINSTOR shows while cloning, {@code Cloning(42.00%)}, from progress:
     * handed to {@code sink} at most once per {@code intervalMillis} (LINSTOR's users poll every
     * 0.5 to 5 s), and always for the last update of the operation. The text is the same in every
     * locale.
     */
    public static final class DiskState implements ProgressListener {
        private final Consumer<String> sink;
        private final long intervalNanos;
        private long lastSent = Long.MIN_VALUE;
        private String lastText;

        /** Reports through {@code sink}, throttled to one update per {@code intervalMillis}. */
        public DiskState(Consumer<String> sink, long intervalMillis) {
            this.sink = Objects.requireNonNull(sink, "sink");
            this.intervalNanos = Math.max(0, intervalMillis) * 1_000_000L;
        }

        /** The disk-state text for {@code done} of {@code total} bytes. */
        public static String text(long done, long total) {
            double pct = total <= 0 ? 0.0 : Math.min(100.0, done * 100.0 / total);
            return String.format(Locale.ROOT, "Cloning(%.2f%%)", pct);
        }

        @Override
        public synchronized void onProgress(String phase, long bytesDone, long bytesTotal, double bytesPerSecond) {
            String t = text(bytesDone, bytesTotal);
            long now = System.nanoTime();
            boolean finished = bytesTotal > 0 && bytesDone >= bytesTotal;
            if (t.equals(lastText) || (!finished && lastSent != Long.MIN_VALUE && now - lastSent < intervalNanos)) {
                return;
            }
            lastSent = now;
            lastText = t;
            sink.accept(t);
        }
    }
}
