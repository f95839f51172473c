package io.volclone.linstor;

import io.volclone.BlockCopier;
import io.volclone.CancelHandle;
import io.volclone.ClonePlan;
import io.volclone.ClonePlanner;
import io.volclone.CloneRequest;
import io.volclone.CloneStrategy;
import io.volclone.CopyOptions;
import io.volclone.CopyReport;
import io.volclone.PlanOptions;
import io.volclone.ProgressListener;
import io.volclone.SparseMode;
import io.volclone.VolcloneException;
import io.volclone.VolumeFacts;
import io.volclone.ZfsFacts;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a forked LINSTOR satellite calls at its clone hook points, in the terms it has at hand
 * (provider kind name, storage pool name, layer kinds, dataset or LV identifier, device path,
 * the {@code zfs get} output it can run, the UseZFSClone property):
 * <ul>
 *   <li>{@link #cloneStrategyNames} replaces the bodies of {@code StorageLayer#getCloneStrategy} and
 *       {@code DeviceHandlerImpl#fixupCloneStrategyQuirks}: one call, the ordered strategy names;</li>
 *   <li>{@link #blockCopy} replaces the {@code dd} command of {@code CloneService}.</li>
 * </ul>
 */
public final class LinstorCloneAdapter {
    private LinstorCloneAdapter() {}

    /** One side of a clone, as the satellite describes it. Immutable. */
    public static final class Side {
        private final VolumeFacts facts;

        private Side(VolumeFacts facts) {
            this.facts = facts;
        }

        /**
         * @param providerKind {@code DeviceProviderKind#name()}, e.g. ZFS_THIN
         * @param storPoolName the storage pool name
         * @param layerKinds the layer stack top to bottom, {@code DeviceLayerKind#name()}s
         * @param identifier zpool/dataset for ZFS, vg/lv for LVM, the file for FILE
         * @param devicePath the clone device path (may be null: derived)
         * @param sizeBytes the volume's size
         * @param exists whether the volume already exists (the target is usually pre-created)
         * @param zfsGetOutput for ZFS: output of {@code zfs get -H -p -o property,value
         *        encryption,encryptionroot,keystatus,keylocation <dataset or its parent>}; else null
         */
        public static Side of(String providerKind, String storPoolName, List<String> layerKinds, String identifier,
                              String devicePath, long sizeBytes, boolean exists, String zfsGetOutput) {
            VolumeFacts.Builder b = VolumeFacts.builder().provider(providerKind).storagePool(storPoolName)
                .layers(layerKinds.toArray(new String[0])).volume(identifier).devicePath(devicePath)
                .sizeBytes(sizeBytes).exists(exists);
            if (zfsGetOutput != null) {
                b.zfs(ZfsFacts.fromZfsGet(zfsGetOutput));
            }
            return new Side(b.build());
        }
    }

    /** The whole plan, for logging its reasons. */
    public static ClonePlan plan(Side source, Side target, boolean useZfsClone, String zfsVersion) throws VolcloneException {
        PlanOptions opts = PlanOptions.builder().useZfsClone(useZfsClone).zfsVersion(zfsVersion).build();
        return ClonePlanner.plan(new CloneRequest(Objects.requireNonNull(source).facts, Objects.requireNonNull(target).facts, opts));
    }

    /**
     * The usable strategies, best first, by name: LINSTOR's names where LINSTOR has one
     * ({@code DD} for the block copy), {@code ZFS_RAW_COPY} for the raw send a fork adds. Empty
     * when nothing can be used; {@link #plan} tells why.
     */
    public static List<String> cloneStrategyNames(Side source, Side target, boolean useZfsClone, String zfsVersion)
        throws VolcloneException {
        return plan(source, target, useZfsClone, zfsVersion).candidates().stream()
            .map(c -> c.strategy() == CloneStrategy.BLOCK_COPY ? "DD" : c.strategy().name())
            .toList();
    }

    /**
     * The block copy in place of {@code dd}: runs the {@code block_copy} step of the plan's
     * {@code BLOCK_COPY} candidate as the planner wrote it (devices; zero handling: skipped only
     * on thin targets without LUKS), with O_DIRECT onto block devices, flushes the target, and
     * verifies when asked.
     *
     * @throws VolcloneException INVALID_ARGUMENT when {@code step} is not a {@code block_copy} step
     */
    public static CopyReport blockCopy(ClonePlan.Step step, boolean verify, ProgressListener listener, CancelHandle cancel)
        throws VolcloneException {
        Objects.requireNonNull(step, "step");
        if (!"block_copy".equals(step.op())) {
            throw new VolcloneException(VolcloneException.Status.INVALID_ARGUMENT.code(),
                "step " + step.op() + " is not a block copy: pass the block_copy step of the BLOCK_COPY candidate", null);
        }
        SparseMode sparse = SparseMode.valueOf(step.string("sparse").orElse("never").toUpperCase(java.util.Locale.ROOT));
        CopyOptions opts = CopyOptions.builder().sparse(sparse).verify(verify).build();
        String source = step.string("source").orElseThrow();
        String target = step.string("target").orElseThrow();
        return BlockCopier.copy(Path.of(source), Path.of(target), opts, listener, cancel);
    }
}
