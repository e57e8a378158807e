package dev.turbo4j.cli;

import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/** How the serve commands run: until SIGTERM or Ctrl-C, then a graceful close of what they started. */
final class Shutdown {
    private static final Logger LOG = Logger.getLogger(Shutdown.class.getName());

    private Shutdown() {
    }

    /** Blocks until the JVM is asked to stop, then closes {@code resources} in the order given. */
    static void closeOnSignal(AutoCloseable... resources) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("turbo4j-shutdown").unstarted(() -> {
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "while shutting down", e);
                }
            }
            closed.countDown();
        }));
        closed.await(); // the hook runs on SIGTERM/SIGINT; the JVM then exits with this command's status
    }
}
