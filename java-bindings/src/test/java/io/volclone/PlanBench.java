package io.volclone;

/** Micro-benchmark of the JNI planning call: calls per second from Java (benches/jni-plan.sh). */
public final class PlanBench {
    private PlanBench() {}

    public static void main(String[] args) throws Exception {
        String json = Fixtures.seed().toJson();
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        for (int i = 0; i < 20_000; i++) { // warm-up: JIT and allocator
            ClonePlanner.planJson(json);
        }
        for (String what : new String[] {"planJson (JNI + JSON parse in Java)", "Native.planJson (JNI only)"}) {
            long n = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long start = System.nanoTime();
            while (System.nanoTime() < end) {
                if (what.startsWith("Native")) {
                    Native.planJson(json);
                } else {
                    ClonePlanner.planJson(json);
                }
                n++;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d calls in %.2f s = %.0f calls/s (%.1f us/call)%n", what, n, secs, n / secs, secs * 1e6 / n);
        }
    }
}
