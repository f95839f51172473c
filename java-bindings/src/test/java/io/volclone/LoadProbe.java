package io.volclone;

/** Run in a child JVM by BridgeTest: prints what loading the library says. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println(ClonePlanner.libraryVersion());
        } catch (UnsatisfiedLinkError e) {
            System.out.println(e.getMessage());
        }
    }
}
