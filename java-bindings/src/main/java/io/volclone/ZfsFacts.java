package io.volclone;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * ZFS encryption facts of a dataset: for a source its own; for a target what it has, or inherits
 * from its parent when it does not exist yet.
 */
public final class ZfsFacts {
    /** {@code keystatus}. */
    public enum KeyStatus {
        AVAILABLE, UNAVAILABLE, NONE
    }

    private final String encryption;
    private final String encryptionRoot;
    private final KeyStatus keyStatus;
    private final String keyLocation;

    /**
     * @param encryption {@code off} or a cipher such as {@code aes-256-gcm}
     * @param encryptionRoot the encryption root, or null
     * @param keyStatus key status ({@code NONE} when not encrypted)
     * @param keyLocation the encryption root's {@code keylocation}, or null
     */
    public ZfsFacts(String encryption, String encryptionRoot, KeyStatus keyStatus, String keyLocation) {
        this.encryption = Objects.requireNonNull(encryption, "encryption");
        this.encryptionRoot = encryptionRoot;
        this.keyStatus = Objects.requireNonNull(keyStatus, "keyStatus");
        this.keyLocation = keyLocation;
    }

    /** Not encrypted. */
    public static ZfsFacts plain() {
        return new ZfsFacts("off", null, KeyStatus.NONE, null);
    }

    /** Encrypted with the given root and key status. */
    public static ZfsFacts encrypted(String cipher, String root, KeyStatus keyStatus) {
        return new ZfsFacts(cipher, root, keyStatus, null);
    }

    /**
     * Reads the output of {@code zfs get -H -p -o property,value
     * encryption,encryptionroot,keystatus,keylocation DATASET}. Prefer {@link #read(String)},
     * which asks ZFS itself.
     *
     * @throws VolcloneException INVALID_REQUEST when the output lacks {@code encryption} or has an
     *         unknown {@code keystatus}
     */
    public static ZfsFacts fromZfsGet(String output) throws VolcloneException {
        Objects.requireNonNull(output, "output");
        Map<String, String> p = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] kv = line.split("\t", 2);
            if (kv.length == 2) {
                p.put(kv[0].trim(), kv[1].trim());
            }
        }
        String enc = p.get("encryption");
        if (enc == null) {
            throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(),
                "zfs get output has no encryption property: give the output of zfs get -H -p -o property,value "
                    + "encryption,encryptionroot,keystatus,keylocation", null);
        }
        String ks = p.getOrDefault("keystatus", "-");
        KeyStatus status;
        if ("off".equals(enc) || "-".equals(ks)) {
            status = KeyStatus.NONE;
        } else {
            try {
                status = KeyStatus.valueOf(ks.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new VolcloneException(VolcloneException.Status.INVALID_REQUEST.code(),
                    "zfs get output has keystatus " + ks + ": expected available or unavailable", e);
            }
        }
        String root = p.get("encryptionroot");
        String loc = p.get("keylocation");
        return new ZfsFacts(enc, root == null || "-".equals(root) ? null : root, status, loc == null || "none".equals(loc) || "-".equals(loc) ? null : loc);
    }

    /**
     * What a satellite needs of a ZFS dataset at decision time, read from ZFS by the library.
     *
     * @param dataset the dataset as asked
     * @param exists whether it exists; when not, {@code zfs} is what a new dataset there inherits
     * @param zfs the encryption facts
     * @param zfsVersion the OpenZFS version, or null when it could not be read
     */
    public record Dataset(String dataset, boolean exists, ZfsFacts zfs, String zfsVersion) {}

    /**
     * Reads the encryption facts of {@code dataset} (or, when it does not exist yet, what it
     * would inherit from its parent) and the ZFS version, by running the {@code zfs} command.
     *
     * @throws VolcloneException INVALID_REQUEST for a bad name, INVALID_ARGUMENT when neither the
     *         dataset nor its parent exists, COMMAND_FAILED or IO when ZFS cannot be asked
     */
    public static Dataset read(String dataset) throws VolcloneException {
        Objects.requireNonNull(dataset, "dataset");
        Native.require();
        Map<String, Object> m = Json.object(Json.parse(Native.zfsFacts(dataset)));
        Map<String, Object> z = Json.object(m.get("zfs"));
        String ks = (String) z.get("key_status");
        ZfsFacts facts = new ZfsFacts((String) z.get("encryption"), (String) z.get("encryption_root"),
            KeyStatus.valueOf(ks.toUpperCase(Locale.ROOT)), (String) z.get("key_location"));
        return new Dataset((String) m.get("dataset"), Boolean.TRUE.equals(m.get("exists")), facts, (String) m.get("zfs_version"));
    }

    /** The {@code encryption} property: {@code off} or the cipher. */
    public String encryption() {
        return encryption;
    }

    /** The encryption root, or null when not encrypted. */
    public String encryptionRoot() {
        return encryptionRoot;
    }

    /** The key status. */
    public KeyStatus keyStatus() {
        return keyStatus;
    }

    /** The encryption root's {@code keylocation}, or null when not known. */
    public String keyLocation() {
        return keyLocation;
    }

    /** Whether ZFS encrypts the data. */
    public boolean encrypted() {
        return !"off".equals(encryption);
    }

    String toJson() {
        StringBuilder b = new StringBuilder("{\"encryption\": ").append(Json.quote(encryption));
        if (encryptionRoot != null) {
            b.append(", \"encryption_root\": ").append(Json.quote(encryptionRoot));
        }
        b.append(", \"key_status\": ").append(Json.quote(keyStatus.name().toLowerCase(Locale.ROOT)));
        if (keyLocation != null) {
            b.append(", \"key_location\": ").append(Json.quote(keyLocation));
        }
        return b.append('}').toString();
    }
}
