package io.volclone;

import java.util.HashMap;
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
     * encryption,encryptionroot,keystatus,keylocation DATASET} (what a satellite runs).
     */
    public static ZfsFacts fromZfsGet(String output) {
        Map<String, String> p = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] kv = line.split("\t", 2);
            if (kv.length == 2) {
                p.put(kv[0].trim(), kv[1].trim());
            }
        }
        String enc = p.get("encryption");
        if (enc == null) {
            throw new IllegalArgumentException("no encryption property in zfs get output: " + output);
        }
        String ks = p.getOrDefault("keystatus", "-");
        KeyStatus status = "off".equals(enc) || "-".equals(ks) ? KeyStatus.NONE : KeyStatus.valueOf(ks.toUpperCase());
        String root = p.get("encryptionroot");
        String loc = p.get("keylocation");
        return new ZfsFacts(enc, root == null || "-".equals(root) ? null : root, status, loc == null || "none".equals(loc) || "-".equals(loc) ? null : loc);
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
        b.append(", \"key_status\": ").append(Json.quote(keyStatus.name().toLowerCase()));
        if (keyLocation != null) {
            b.append(", \"key_location\": ").append(Json.quote(keyLocation));
        }
        return b.append('}').toString();
    }
}
