package dev.turbo4j.core.quant.awq;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an AWQ run did.
 *
 * @param checkpoint          the folder written
 * @param calibrationSequences sequences used (may be fewer than asked when the text ran out)
 * @param calibrationTokens   tokens per sequence
 * @param pplBefore           perplexity of the source model on the calibration text
 * @param pplAfter            perplexity of the written checkpoint (dequantized) on the same text
 * @param alphas              per layer, the α used for each scale group that applied (empty for RTN)
 * @param seconds             wall time of the whole run
 */
public record AwqReport(Path checkpoint, int calibrationSequences, int calibrationTokens, double pplBefore,
                        double pplAfter, List<Map<ScaleGroup, Double>> alphas, double seconds) {
}
