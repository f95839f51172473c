import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command the way a stock LINSTOR satellite runs every external program: a
 * {@link ProcessBuilder} of the bare argv (the program found through the satellite's PATH), the
 * satellite's environment, stdout and stderr read by the JVM. Used by the shim scenario to replay
 * LINSTOR's exact argvs; nothing of LINSTOR's code.
 *
 * <p>Usage: {@code ExtCmd [--destroy-after MS] ARGV...}: with {@code --destroy-after}, the process
 * is stopped after MS milliseconds as {@code CloneDaemon.shutdown()} does ({@link Process#destroy()},
 * SIGTERM). Prints the child's stdout, then {@code stderr: ...} lines, then {@code rc=N}; exits 0.
 */
public final class ExtCmd {
    private ExtCmd() {}

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(to);
            } catch (IOException e) {
                // the child is gone; what was read is kept
            }
        });
        t.start();
        return t;
    }

    public static void main(String[] args) throws Exception {
        long destroyAfter = -1;
        int first = 0;
        if (args.length > 1 && args[0].equals("--destroy-after")) {
            destroyAfter = Long.parseLong(args[1]);
            first = 2;
        }
        String[] argv = Arrays.copyOfRange(args, first, args.length);
        ProcessBuilder pb = new ProcessBuilder(argv);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread a = drain(p.getInputStream(), out);
        Thread b = drain(p.getErrorStream(), err);
        if (destroyAfter >= 0 && !p.waitFor(destroyAfter, TimeUnit.MILLISECONDS)) {
            p.destroy();
        }
        int rc = p.waitFor();
        a.join();
        b.join();
        System.out.print(out.toString());
        for (String line : err.toString().split("\n")) {
            if (!line.isEmpty()) {
                System.out.println("stderr: " + line);
            }
        }
        System.out.println("rc=" + rc);
    }
}
