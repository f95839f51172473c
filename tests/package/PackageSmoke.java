import io.volclone.BlockCopier;
import io.volclone.ClonePlan;
import io.volclone.ClonePlanner;
import io.volclone.CopyOptions;
import io.volclone.CopyReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * The installed jar as an integrator uses it: plan the seed request (args[0]) and copy a file,
 * with only the jar on the class path. Exits non-zero on any difference.
 */
public final class PackageSmoke {
    public static void main(String[] args) throws Exception {
        ClonePlan plan = ClonePlanner.planJson(Files.readString(Path.of(args[0])));
        String chosen = plan.chosen().map(Enum::name).orElse("none");
        if (!chosen.equals("ZFS_COPY")) {
            throw new AssertionError("seed plan chose " + chosen);
        }
        Path dir = Files.createTempDirectory("volclone-smoke");
        Path src = dir.resolve("source image");
        Path dst = dir.resolve("-target");
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        Arrays.fill(data, 1 << 20, 2 << 20, (byte) 0);
        Files.write(src, data);
        CopyReport r = BlockCopier.copy(src, dst, CopyOptions.builder().createTarget(true).verify(true).build(), null, null);
        if (!Arrays.equals(data, Files.readAllBytes(dst)) || r.bytesTotal() != data.length) {
            throw new AssertionError("copy differs: " + r);
        }
        Files.delete(src);
        Files.delete(dst);
        Files.delete(dir);
        System.out.println("java smoke: library " + ClonePlanner.libraryVersion() + " from " + ClonePlanner.librarySource() + ", plan " + chosen + ", copied " + r.bytesTotal() + " bytes");
    }
}
