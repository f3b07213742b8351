package dev.uem.io;

import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop at the next safe point instead of a JVM shutdown.
 *
 * <p>Why: the JVM's own handler starts shutting down while the main thread may be inside libtorch (a backward pass);
 * freeing native memory under it crashes the JVM (SIGSEGV in {@code getAccelerator}). With this handler the
 * long loops (training steps, embedding chunks, evaluation batches) call {@link #check} between units of work, the
 * current unit finishes, nothing half-written stays behind, and the command exits with 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM). A second signal, more than a second after the first (sooner it is the same stop
 * delivered twice, as to {@code --nproc} workers), ends the process at once ({@link Runtime#halt}: no shutdown
 * hooks touch native memory); only temporary files can be left then, and the next {@code --resume} removes them.
 */
public final class StopSignal {
    private static volatile Signal received;
    private static volatile long receivedAt;
    private static volatile boolean installed;

    private StopSignal() {}

    /** Thrown at a safe point after a stop was requested; {@link #exitCode} is what the process should end with. */
    public static final class StopRequested extends RuntimeException {
        public final int exitCode;

        public StopRequested(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** Replaces the JVM's SIGINT and SIGTERM handlers (once per process). */
    public static synchronized void install() {
        if (installed) return;
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> {
                if (received != null) {
                    // within a second it is the same stop arriving twice (the terminal's Ctrl-C reaches a --nproc
                    // launcher
                    // and its workers, and the launcher forwards it too); later it is a person asking again: halt
                    if (System.nanoTime() - receivedAt > 1_000_000_000L)
                        Runtime.getRuntime().halt(128 + s.getNumber());
                    return;
                }
                receivedAt = System.nanoTime();
                received = s;
                System.err.println("\nuem: SIG" + s.getName() + " received: stopping after the "
                        + "current step (send it again to stop at once)");
            });
        }
        installed = true;
    }

    /** Asks for a stop as the signal named {@code name} ("INT" or "TERM") would, without one (tests, embedders). */
    public static void request(String name) {
        receivedAt = System.nanoTime();
        received = new Signal(name);
    }

    /** Forgets a requested stop, so that a test that asked for one leaves the process as it found it. */
    public static void clear() {
        received = null;
    }

    /** Blocks until a stop is requested; returns the exit code it asks for (128 + the signal's number). */
    public static int await() throws InterruptedException {
        while (received == null) Thread.sleep(50);
        return 128 + received.getNumber();
    }

    public static boolean requested() {
        return received != null;
    }

    /** Throws {@link StopRequested} if a stop was requested; {@code what} says what was stopped and how to continue. */
    public static void check(String what) {
        Signal s = received;
        if (s != null) throw new StopRequested("stopped by SIG" + s.getName() + ": " + what, 128 + s.getNumber());
    }
}
