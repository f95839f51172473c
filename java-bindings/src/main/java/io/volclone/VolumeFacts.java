package io.volclone;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What is known about one volume. Immutable; made with {@link #builder()}. */
public final class VolumeFacts {
    private final String provider;
    private final String storagePool;
    private final List<String> layers;
    private final String drbdMetadata;
    private final String volume;
    private final String devicePath;
    private final String snapshot;
    private final long sizeBytes;
    private final boolean exists;
    private final ZfsFacts zfs;

    private VolumeFacts(Builder b) {
        provider = Objects.requireNonNull(b.provider, "provider");
        storagePool = Objects.requireNonNull(b.storagePool, "storagePool");
        volume = Objects.requireNonNull(b.volume, "volume");
        layers = List.copyOf(b.layers.isEmpty() ? List.of("STORAGE") : b.layers);
        drbdMetadata = b.drbdMetadata;
        devicePath = b.devicePath;
        snapshot = b.snapshot;
        sizeBytes = b.sizeBytes;
        exists = b.exists;
        zfs = b.zfs;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    String toJson() {
        StringBuilder s = new StringBuilder("{\"provider\": ").append(Json.quote(provider))
            .append(", \"storage_pool\": ").append(Json.quote(storagePool)).append(", \"layers\": [");
        for (int i = 0; i < layers.size(); i++) {
            s.append(i > 0 ? ", " : "").append(Json.quote(layers.get(i)));
        }
        s.append("]");
        if (drbdMetadata != null) {
            s.append(", \"drbd_metadata\": ").append(Json.quote(drbdMetadata));
        }
        s.append(", \"volume\": ").append(Json.quote(volume));
        if (devicePath != null) {
            s.append(", \"device_path\": ").append(Json.quote(devicePath));
        }
        if (snapshot != null) {
            s.append(", \"snapshot\": ").append(Json.quote(snapshot));
        }
        s.append(", \"size_bytes\": ").append(sizeBytes).append(", \"exists\": ").append(exists);
        if (zfs != null) {
            s.append(", \"zfs\": ").append(zfs.toJson());
        }
        return s.append('}').toString();
    }

    /** Builds {@link VolumeFacts}; provider, storage pool, volume and size are required. */
    public static final class Builder {
        private String provider;
        private String storagePool;
        private final List<String> layers = new ArrayList<>();
        private String drbdMetadata;
        private String volume;
        private String devicePath;
        private String snapshot;
        private long sizeBytes = -1;
        private boolean exists;
        private ZfsFacts zfs;

        private Builder() {}

        /** LINSTOR's DeviceProviderKind name: ZFS, ZFS_THIN, LVM, LVM_THIN, FILE, FILE_THIN, ... */
        public Builder provider(String v) {
            provider = v;
            return this;
        }

        /** The LINSTOR storage pool name. */
        public Builder storagePool(String v) {
            storagePool = v;
            return this;
        }

        /** The layer stack, top to bottom (DeviceLayerKind names: DRBD, LUKS, STORAGE, ...). */
        public Builder layers(String... v) {
            layers.clear();
            layers.addAll(List.of(v));
            return this;
        }

        /** {@code internal}, {@code external} or {@code none}. */
        public Builder drbdMetadata(String v) {
            drbdMetadata = v;
            return this;
        }

        /** ZFS dataset, vg/lv, or file path. */
        public Builder volume(String v) {
            volume = v;
            return this;
        }

        /** The device a block copy uses (derived from the volume when not given). */
        public Builder devicePath(String v) {
            devicePath = v;
            return this;
        }

        /**
         * Source only: the existing snapshot to clone from (ZFS: LINSTOR's {@code CF_<hex>}, or
         * {@code dataset@CF_<hex>}; LVM-thin: the snapshot LV). No snapshot is then taken, and
         * this one is never changed or destroyed.
         */
        public Builder snapshot(String v) {
            snapshot = v;
            return this;
        }

        /** Size in bytes. */
        public Builder sizeBytes(long v) {
            sizeBytes = v;
            return this;
        }

        /** Whether the volume exists (for a target: pre-created by LINSTOR). */
        public Builder exists(boolean v) {
            exists = v;
            return this;
        }

        /** ZFS encryption facts (required for ZFS providers). */
        public Builder zfs(ZfsFacts v) {
            zfs = v;
            return this;
        }

        /**
         * The immutable facts.
         *
         * @throws VolcloneException INVALID_REQUEST naming the missing or bad field
         */
        public VolumeFacts build() throws VolcloneException {
            String missing = provider == null ? "provider" : storagePool == null ? "storagePool" : volume == null ? "volume" : null;
            if (missing != null) {
                throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(), missing + " is required: set it on the builder", null);
            }
            if (sizeBytes <= 0) {
                throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(),
                    "sizeBytes is " + sizeBytes + ": give the volume's size in bytes (LINSTOR's KiB times 1024)", null);
            }
            return new VolumeFacts(this);
        }
    }
}
