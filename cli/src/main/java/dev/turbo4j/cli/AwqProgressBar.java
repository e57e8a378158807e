package dev.turbo4j.cli;

import dev.turbo4j.core.quant.awq.AwqProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows an AWQ run's stages as progress bars on a terminal (one step per layer and batch, with
 * elapsed time and ETA); when stderr is not a terminal (a log, CI), a line with the step count
 * every {@link #LOG_INTERVAL_NANOS} and one per finished stage instead, as tqdm prints to a file.
 */
final class AwqProgressBar implements AwqProgress, AutoCloseable {
    private final PrintWriter err;
    private final boolean interactive;
    private ProgressBar bar;
    private String stage;
    private long stageStart;
    private long lastLine;
    private final long logIntervalNanos;
    /** How often a non-terminal gets a progress line within a stage. */
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    AwqProgressBar(PrintWriter err) {
        this(err, System.console() != null && System.console().isTerminal(), LOG_INTERVAL_NANOS);
    }

    AwqProgressBar(PrintWriter err, boolean interactive, long logIntervalNanos) {
        this.err = err;
        this.interactive = interactive;
        this.logIntervalNanos = logIntervalNanos;
    }

    @Override
    public void stageStarted(String name, int steps) {
        close();
        stage = name;
        stageStart = System.nanoTime();
        lastLine = stageStart;
        ProgressBarConsumer consumer = interactive ? new ConsoleProgressBarConsumer(System.err, 100)
                : new DelegatingProgressBarConsumer(line -> { }, 100);
        bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(consumer).setUpdateIntervalMillis(250).build();
    }

    @Override
    public void stepDone(String detail) {
        bar.setExtraMessage(detail);
        bar.step();
        long now = System.nanoTime();
        if (!interactive && now - lastLine >= logIntervalNanos && bar.getCurrent() < bar.getMax()) {
            lastLine = now;
            err.printf(Locale.ROOT, "%s: %d/%d after %.1f s%s%n", stage, bar.getCurrent(), bar.getMax(),
                    (now - stageStart) / 1e9, detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
            err.flush();
        }
    }

    @Override
    public void stageDone() {
        if (bar == null) {
            return;
        }
        String detail = bar.getExtraMessage();
        bar.close();
        bar = null;
        if (!interactive) {
            err.printf(Locale.ROOT, "%s: done in %.1f s%s%n", stage, (System.nanoTime() - stageStart) / 1e9,
                    detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
            err.flush();
        }
    }

    @Override
    public void note(String message) {
        err.println("turbo4j: " + message);
        err.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
