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
import java.util.Set;
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
        /** Facts read from ZFS by {@link #decide} (one {@code zfs get} per volume), reused by {@code run}. */
        private volatile ZfsFacts.Dataset read;

        private Volume(Builder b, String fullIdentifier) {
            providerKind = b.providerKind;
            storPoolName = b.storPoolName;
            layerKinds = List.copyOf(b.layerKinds);
            identifier = fullIdentifier;
            sizeKib = b.sizeKib;
            drbdMetadata = b.drbdMetadata;
            zfs = b.zfs;
        }

        /** The volume's full name: {@code zpool/dataset}, {@code vg/lv} or the file. */
        public String identifier() {
            return identifier;
        }

        /** ZFS's facts of this volume as last read for a decision (null when none were read). */
        ZfsFacts.Dataset readFacts() throws VolcloneException {
            ZfsFacts.Dataset d = read;
            if (d == null && zfs == null && zfsProvider()) {
                d = ZfsFacts.read(identifier);
                read = d;
            }
            return d;
        }

        /** A new builder. */
        public static Builder builder() {
            return new Builder();
        }

        boolean zfsProvider() {
            return providerKind.equals("ZFS") || providerKind.equals("ZFS_THIN");
        }

        /** Encrypted at rest: a LUKS layer, or ZFS encryption (as given or as last read). */
        boolean encryptedAtRest() throws VolcloneException {
            if (layerKinds.contains("LUKS")) {
                return true;
            }
            ZfsFacts z = zfs != null ? zfs : zfsProvider() && readFacts() != null ? readFacts().zfs() : null;
            return z != null && z.encrypted();
        }

        /** The facts for a request; ZFS encryption facts read from ZFS unless given (once). */
        VolumeFacts facts(boolean exists, String snapshot, String devicePath) throws VolcloneException {
            ZfsFacts z = zfs;
            if (z == null && zfsProvider()) {
                z = readFacts().zfs();
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
            private String zpool;
            private String volumeGroup;
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

            /**
             * The volume's name: for ZFS {@code zpool/dataset} ({@code ZfsData.getFullQualifiedLvIdentifier()}),
             * or LINSTOR's bare {@code getIdentifier()} ({@code vm_00000}) with {@link #zpool}; for LVM
             * {@code vg/lv}, or the bare LV name with {@link #volumeGroup}; for FILE the file.
             */
            public Builder identifier(String v) {
                identifier = v;
                return this;
            }

            /** The zpool ({@code ZfsData.getZPool()}), when {@link #identifier} is LINSTOR's bare one. */
            public Builder zpool(String v) {
                zpool = v;
                return this;
            }

            /** The volume group ({@code LvmData.getVolumeGroup()}), when {@link #identifier} is the bare LV name. */
            public Builder volumeGroup(String v) {
                volumeGroup = v;
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
                return new Volume(this, fullIdentifier());
            }

            /** {@code zpool/identifier} or {@code vg/lv}; a bare name without its container is an error naming the fix. */
            private String fullIdentifier() throws VolcloneException {
                String container = providerKind.startsWith("ZFS") ? zpool : providerKind.startsWith("LVM") ? volumeGroup : null;
                if (container != null && !container.isEmpty() && !identifier.startsWith(container + "/")) {
                    return container + "/" + identifier;
                }
                boolean needsContainer = providerKind.startsWith("ZFS") || providerKind.startsWith("LVM");
                if (needsContainer && !identifier.contains("/")) {
                    String fix = providerKind.startsWith("ZFS")
                        ? "give zpool(ZfsData.getZPool()), or identifier(ZfsData.getFullQualifiedLvIdentifier())"
                        : "give volumeGroup(LvmData.getVolumeGroup())";
                    throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(),
                        "identifier \"" + identifier + "\" has no " + (providerKind.startsWith("ZFS") ? "zpool" : "volume group")
                            + " (LINSTOR's getIdentifier() is the bare name): " + fix, null);
                }
                return identifier;
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
        /**
         * volclone's defaults, stricter than LINSTOR in one way: no {@code use-zfs-clone}, nothing
         * forbidden, no limit, and <b>never an encrypted source stored as plaintext</b> (a LUKS or
         * ZFS-encrypted source onto an unencrypted target gets no strategy, with the reason; stock
         * LINSTOR runs DD there). {@link #linstorCompatible()} does what LINSTOR does.
         */
        public static Options defaults() {
            return new Options(false, false, List.of(), 0);
        }

        /**
         * What stock LINSTOR does: like {@link #defaults()}, but an encrypted source may be cloned
         * onto an unencrypted target (LINSTOR's DD through LUKS), stored there decrypted; the
         * library logs a warning for every such clone, and the choice's reason says so.
         */
        public static Options linstorCompatible() {
            return new Options(false, true, List.of(), 0);
        }
    }

    /**
     * LINSTOR's clone snapshot name for a clone resource's volume, {@code CF_<hex>}, as its
     * {@code AbsStorageProvider.getCloneSnapshotName(cloneRscName, vlmNr)} makes it: the hex of
     * Java's {@code String.hashCode()} of {@code "<cloneRscName>_<vlmNr>"} (formatted as LINSTOR
     * formats it, in the default locale). Give the <b>clone's</b> resource name, not the source's.
     */
    public static String cloneSnapshotName(String cloneRscName, int vlmNr) {
        Objects.requireNonNull(cloneRscName, "cloneRscName");
        return "CF_" + Integer.toHexString(String.format("%s_%d", cloneRscName, vlmNr).hashCode());
    }

    /**
     * The snapshot part of a clone snapshot name as LINSTOR's methods return it: {@code CF_<hex>}
     * as is, {@code getZFSCloneSnapshotNameFull}'s {@code <identifier>@CF_<hex>} and
     * {@code getLVMCloneSnapshotNameFull}'s {@code <identifier>_CF_<hex>} reduced to {@code CF_<hex>}.
     */
    public static String snapshotPart(String name) {
        Objects.requireNonNull(name, "cloneSnapshot");
        int at = name.lastIndexOf('@');
        if (at >= 0) {
            return name.substring(at + 1);
        }
        int cf = name.lastIndexOf("_CF_");
        return cf >= 0 ? name.substring(cf + 1) : name;
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
        ZfsFacts.Dataset d = v.readFacts();
        return d == null ? null : d.zfsVersion();
    }

    /**
     * The decision at {@code DeviceHandlerImpl.startClone}, at the storage (or LUKS) level: the
     * target is not on disk yet (LINSTOR creates it in {@code openForClone} for the strategies
     * that need open devices), and no device path is known. For a ZFS target that does not
     * exist, the encryption facts are what it will inherit from its parent. ZFS is asked once per
     * volume (one {@code zfs get} each), and {@link #run} with the same {@link Volume} objects
     * reuses what was read. Where LINSTOR decides at another level (DRBD), use
     * {@link #decide(Volume, Volume, Options, Set)}.
     */
    public static Decision decide(Volume source, Volume target, Options options) throws VolcloneException {
        return decide(source, target, options, null);
    }

    /**
     * The decision within what the layer at LINSTOR's decision level can execute:
     * {@code linstorStrategies} are the names of LINSTOR's own set for the pair, the result of
     * {@code fixupCloneStrategyQuirks(src, tgt, getCloneStrategy(src), getCloneStrategy(tgt))}
     * (at the storage level e.g. {@code [ZFS_COPY, DD]}; through LUKS {@code [DD]}; where
     * {@code DrbdLayer.getCloneSupport} says TRUE rather than PASSTHROUGH (DRBD metadata kinds
     * differ, internal-metadata DRBD into a non-DRBD target, a non-DRBD source into DRBD) the
     * volumes are DRBD's and LINSTOR's set is empty). Only strategies in that set are chosen (and
     * ZFS_RAW_COPY where it has ZFS_COPY: the fork runs both through the same ZFS volumes);
     * anything else is rejected with the level's reason, so a choice never leads LINSTOR's
     * {@code CloneService} to cast a volume of another layer. Null means the storage level (all
     * of volclone's choices).
     */
    public static Decision decide(Volume source, Volume target, Options options, Set<String> linstorStrategies) throws VolcloneException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Options o = options == null ? Options.defaults() : options;
        CloneRequest req = new CloneRequest(source.facts(true, null, null), target.facts(false, null, null),
            planOptions(o, EnumSet.noneOf(CloneStrategy.class), zfsVersion(source)));
        ClonePlan plan = ClonePlanner.plan(req);
        List<Choice> choices = new ArrayList<>();
        List<ClonePlan.Rejection> rejected = new ArrayList<>(plan.rejected());
        for (ClonePlan.Candidate c : plan.candidates()) {
            String notHere = notExecutable(c.strategy(), linstorStrategies);
            if (notHere == null) {
                notHere = rawUnusable(c.strategy(), source, target);
            }
            if (notHere != null) {
                rejected.add(new ClonePlan.Rejection(c.strategy(), notHere));
            } else {
                String reason = c.reason();
                if (o.allowDecrypt() && !target.encryptedAtRest() && source.encryptedAtRest()) {
                    reason += " (LINSTOR-compatible: the encrypted source is stored decrypted on the target)";
                    System.getLogger("io.volclone").log(System.Logger.Level.WARNING,
                        "clone " + source.identifier + " -> " + target.identifier + " stores an encrypted source decrypted (" + c.strategy() + ")");
                }
                choices.add(new Choice(c.strategy().linstorName(), c.strategy(), c.priority(), c.needsOpenDevices(), reason));
            }
        }
        return new Decision(List.copyOf(choices), List.copyOf(rejected), plan);
    }

    /** Why LINSTOR's level cannot execute {@code s}, or null when it can. */
    private static String notExecutable(CloneStrategy s, Set<String> linstor) {
        if (linstor == null) {
            return null;
        }
        boolean ok = linstor.contains(s.linstorName()) || (s == CloneStrategy.ZFS_RAW_COPY && linstor.contains("ZFS_COPY"));
        return ok ? null : "not executable at LINSTOR's decision level for this pair (LINSTOR offers "
            + (linstor.isEmpty() ? "nothing" : String.join(", ", new java.util.TreeSet<>(linstor))) + ")";
    }

    /**
     * ZFS_RAW_COPY in LINSTOR's flow: usable only when the clone's key (the source's) can be loaded
     * on this node afterwards (a {@code file://} key that is readable here, or an https location),
     * and the pre-created target's device can appear ({@code openForClone} runs {@code zfs create}
     * under the target's parent, whose key must be loaded). Null when usable.
     */
    private static String rawUnusable(CloneStrategy s, Volume source, Volume target) throws VolcloneException {
        if (s != CloneStrategy.ZFS_RAW_COPY) {
            return null;
        }
        ZfsFacts src = source.zfs != null ? source.zfs : source.readFacts() == null ? null : source.readFacts().zfs();
        ZfsFacts tgt = target.zfs != null ? target.zfs : target.readFacts() == null ? null : target.readFacts().zfs();
        String loc = src == null ? null : src.keyLocation();
        boolean loadable = loc != null && (loc.startsWith("https://") || loc.startsWith("http://")
            || (loc.startsWith("file://") && java.nio.file.Files.isReadable(java.nio.file.Path.of(loc.substring("file://".length())))));
        if (!loadable) {
            return "in LINSTOR's flow the clone must be usable at once, but its key (the source's, keylocation "
                + (loc == null ? "unknown" : loc) + ") cannot be loaded on this node: nothing in LINSTOR loads ZFS keys";
        }
        if (tgt != null && tgt.keyStatus() == ZfsFacts.KeyStatus.UNAVAILABLE) {
            return "the target's parent key is not loaded: LINSTOR's openForClone cannot create the target's device";
        }
        return null;
    }

    /**
     * Runs {@code strategy} at {@code CloneService.startClone}: from LINSTOR's snapshot
     * {@code cloneSnapshot} (taken for the whole resource; never changed or destroyed here), onto
     * the target as {@code openForClone} left it (pre-created when the strategy needs open
     * devices). {@code cloneSnapshot} is {@code CF_<hex>} ({@link #cloneSnapshotName} with the
     * clone's resource name and volume number), or LINSTOR's full name as its
     * {@code getZFSCloneSnapshotNameFull} / {@code getLVMCloneSnapshotNameFull} return it. The device
     * paths are the ones {@code openForClone} set (null where it set none); through LUKS the
     * source path is LINSTOR's opened {@code /dev/mapper/...CF_...}. Exactly {@code strategy} runs:
     * if the facts no longer allow it, NO_STRATEGY says why. After a ZFS_RAW_COPY the clone's key
     * is loaded (from the source's key location) before this returns. Cancel with
     * {@link CancelHandle#cancelAndAwait(long)} before LINSTOR tears the devices down.
     *
     * @param verify re-read both sides of a block copy afterwards
     * @param listener progress (see {@link DiskState}), or null
     * @param cancel stops the clone and undoes what it made, or null
     */
    public static CloneExecutor.Report run(CloneStrategy strategy, Volume source, Volume target, Options options,
                                           String cloneSnapshot, String sourceDevicePath, String targetDevicePath,
                                           boolean verify, ProgressListener listener, CancelHandle cancel) throws VolcloneException {
        Objects.requireNonNull(strategy, "strategy");
        String snapshot = snapshotPart(cloneSnapshot);
        Options o = options == null ? Options.defaults() : options;
        EnumSet<CloneStrategy> others = EnumSet.complementOf(EnumSet.of(strategy));
        CloneRequest req = new CloneRequest(source.facts(true, snapshot, sourceDevicePath),
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
