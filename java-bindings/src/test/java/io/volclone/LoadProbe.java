package io.volclone;

import java.nio.file.Path;

/** Run in a child JVM by BridgeTest: prints what loading the library says, and what a call then does. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) throws Exception {
        System.out.println("available=" + ClonePlanner.libraryAvailable() + " source=" + ClonePlanner.librarySource());
        ClonePlanner.libraryError().ifPresent(e -> System.out.println("error=" + e));
        try (CancelHandle c = new CancelHandle()) {
            c.cancel();
            System.out.println("cancel ok");
        }
        try {
            ClonePlanner.plan(Fixtures.seed());
            System.out.println("plan ok");
        } catch (VolcloneException e) {
            System.out.println(e.status() + ": " + e.getMessage());
        } catch (LinkageError e) {
            System.out.println("LinkageError " + e);
        }
        try {
            BlockCopier.copy(Path.of("/nonexistent/a"), Path.of("/nonexistent/b"), null, null, null);
        } catch (VolcloneException e) {
            System.out.println("copy: " + e.status());
        }
    }
}
