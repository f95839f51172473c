package io.volclone;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Shared test data: the seed case, and image files. */
final class Fixtures {
    private Fixtures() {}

    static VolumeFacts seedSide(String volume, boolean exists) throws VolcloneException {
        return VolumeFacts.builder().provider("ZFS_THIN").storagePool("incus").layers("DRBD", "STORAGE")
            .drbdMetadata("internal").volume(volume).sizeBytes(10737418240L).exists(exists)
            .zfs(ZfsFacts.encrypted("aes-256-gcm", "tmp-pool/incus", ZfsFacts.KeyStatus.AVAILABLE)).build();
    }

    static CloneRequest seed() throws VolcloneException {
        return new CloneRequest(seedSide("tmp-pool/incus/vm-base_00000", true), seedSide("tmp-pool/incus/vm-clone_00000", true),
            PlanOptions.builder().zfsVersion("2.1.11").build());
    }

    static Path randomFile(Path dir, String name, int bytes, long seed) throws IOException {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    static Path sparseFile(Path dir, String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (bytes > 0) {
                ch.write(ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
        }
        return p;
    }
}
