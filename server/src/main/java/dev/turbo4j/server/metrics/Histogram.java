package dev.turbo4j.server.metrics;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram (cumulative buckets, sum, count), lock-free to observe. */
final class Histogram {
    /** Seconds, from a fast metadata call to a long generation. */
    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120, 300};

    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        sum.add(value);
        count.increment();
    }

    /** Appends the {@code _bucket}, {@code _sum} and {@code _count} lines; {@code labels} like {@code route="/x",}. */
    void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name).append("_bucket{").append(labels).append("le=\"")
                    .append(String.format(Locale.ROOT, "%s", bounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
        out.append(name).append("_sum").append(plain).append(' ').append(sum.sum()).append('\n');
        out.append(name).append("_count").append(plain).append(' ').append(count.sum()).append('\n');
    }
}
