package dev.turbo4j.cli;

import java.util.Arrays;
import java.util.List;

/** Mean, median and P99 of a list of durations in milliseconds (LMDeploy's profile figures). */
record LatencyStats(double mean, double median, double p99) {

    static LatencyStats of(List<Double> values) {
        if (values.isEmpty()) {
            return new LatencyStats(0, 0, 0);
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new LatencyStats(Arrays.stream(v).average().orElse(0), percentile(v, 50), percentile(v, 99));
    }

    /** Linear interpolation between closest ranks, as numpy.percentile does. */
    static double percentile(double[] sorted, double p) {
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    com.fasterxml.jackson.databind.node.ObjectNode toJson(com.fasterxml.jackson.databind.ObjectMapper json) {
        var n = json.createObjectNode();
        n.put("mean", mean);
        n.put("median", median);
        n.put("p99", p99);
        return n;
    }

    String format() {
        return String.format(java.util.Locale.ROOT, "mean %8.2f  median %8.2f  p99 %8.2f", mean, median, p99);
    }
}
