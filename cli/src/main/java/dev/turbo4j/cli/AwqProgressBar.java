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
 * elapsed time and ETA); when stderr is not a terminal, one line per finished stage instead.
 */
final class AwqProgressBar implements AwqProgress, AutoCloseable {
    private final PrintWriter err;
    private final boolean interactive;
    private ProgressBar bar;
    private String stage;
    private long stageStart;

    AwqProgressBar(PrintWriter err) {
        this.err = err;
        this.interactive = System.console() != null && System.console().isTerminal();
    }

    @Override
    public void stageStarted(String name, int steps) {
        close();
        stage = name;
        stageStart = System.nanoTime();
        ProgressBarConsumer consumer = interactive ? new ConsoleProgressBarConsumer(System.err, 100)
                : new DelegatingProgressBarConsumer(line -> { }, 100);
        bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(consumer).setUpdateIntervalMillis(250).build();
    }

    @Override
    public void stepDone(String detail) {
        bar.setExtraMessage(detail);
        bar.step();
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
