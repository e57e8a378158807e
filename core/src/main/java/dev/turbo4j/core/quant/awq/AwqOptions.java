package dev.turbo4j.core.quant.awq;

/**
 * What {@code turbo4j lite auto_awq} does, with LMDeploy's names and defaults.
 *
 * @param calibDataset "builtin" (the bundled public-domain sample) or a UTF-8 text file
 * @param calibSamples how many calibration sequences (fewer if the text runs out)
 * @param calibSeqlen  tokens per calibration sequence, BOS included
 * @param batchSize    sequences per forward batch; with {@link ScaleMode#SEARCH} α is searched
 *                     per batch and averaged, as LMDeploy does
 * @param wBits        weight bits (AutoAWQ gemm checkpoints hold 4)
 * @param groupSize    input channels per quantization group; −1 is per channel
 * @param symmetric    no zero points (the zero is fixed at 2^(bits−1) in the checkpoint)
 * @param scaleMode    how activation-aware scales are chosen, if at all
 */
public record AwqOptions(String calibDataset, int calibSamples, int calibSeqlen, int batchSize, int wBits,
                         int groupSize, boolean symmetric, ScaleMode scaleMode) {

    /** How the per-channel scales are chosen. */
    public enum ScaleMode {
        /** Round-to-nearest only: no scales, no calibration forward (the baseline). */
        NONE,
        /** s from max |x| with α = 0.5 (LMDeploy's default, without --search-scale). */
        FIXED_ALPHA,
        /** s from mean |x| with α searched per group on the block output error (--search-scale). */
        SEARCH
    }

    /** LMDeploy's defaults. */
    public static AwqOptions defaults() {
        return new AwqOptions(CalibrationSet.BUILTIN, 128, 2048, 1, 4, 128, false, ScaleMode.FIXED_ALPHA);
    }

    public AwqOptions {
        if (wBits != 4) {
            throw new IllegalArgumentException("--w-bits must be 4: AutoAWQ gemm checkpoints hold 4-bit weights");
        }
        if (groupSize == 0 || groupSize < -1) {
            throw new IllegalArgumentException("--w-group-size must be positive or -1 (per channel), got " + groupSize);
        }
        if (calibSamples < 1) {
            throw new IllegalArgumentException("--calib-samples must be at least 1, got " + calibSamples);
        }
        if (calibSeqlen < 2) {
            throw new IllegalArgumentException("--calib-seqlen must be at least 2, got " + calibSeqlen);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
    }

    public AwqOptions withScaleMode(ScaleMode mode) {
        return new AwqOptions(calibDataset, calibSamples, calibSeqlen, batchSize, wBits, groupSize, symmetric, mode);
    }

    /** The quantizer these options describe. */
    public GroupQuantizer quantizer() {
        return new GroupQuantizer(wBits, groupSize, symmetric);
    }
}
