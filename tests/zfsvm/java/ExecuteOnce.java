import io.volclone.CloneExecutor;
import io.volclone.VolcloneException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs one clone through the Java API in this JVM (`CloneExecutor.execute` of the request JSON
 * in ARG 1, rate ARG 2 bytes/s) and prints the report or the error: the fault matrix kills the
 * JVM with SIGKILL in the middle and reruns it from a new JVM.
 */
public final class ExecuteOnce {
    private ExecuteOnce() {}

    public static void main(String[] args) throws Exception {
        String json = Files.readString(Path.of(args[0]));
        long rate = args.length > 1 ? Long.parseLong(args[1]) : 0;
        try {
            io.volclone.ClonePlan plan = io.volclone.ClonePlanner.planJson(json);
            System.out.println("chosen " + plan.chosen().map(Object::toString).orElse("none"));
            CloneExecutor.Report r = CloneExecutor.executeJson(json, null, rate, null, null);
            System.out.println("done " + r.strategy() + " bytes=" + r.bytes() + " resumed=" + r.bytesResumed() + " saved=" + r.bytesSaved());
        } catch (VolcloneException e) {
            System.out.println("error " + e.status() + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
