/**
 * AWQ weight quantization ({@code turbo4j lite auto_awq}), as LMDeploy's lite implements it:
 * calibration forward layer by layer ({@link dev.turbo4j.core.quant.awq.LayerForward},
 * {@link dev.turbo4j.core.quant.awq.LayerCalibration}), per-channel activation statistics
 * ({@link dev.turbo4j.core.quant.awq.ChannelStats}), activation-aware scales folded into the
 * preceding norm or linear ({@link dev.turbo4j.core.quant.awq.SmoothingScales},
 * {@link dev.turbo4j.core.quant.awq.ScaleGroup}), the optional α search
 * ({@link dev.turbo4j.core.quant.awq.ScaleSearch}), round-to-nearest group quantization
 * ({@link dev.turbo4j.core.quant.awq.GroupQuantizer}) and the AutoAWQ gemm checkpoint
 * ({@link dev.turbo4j.core.quant.awq.AwqGemmPacking}, {@link dev.turbo4j.core.quant.awq.AwqCheckpointWriter});
 * {@link dev.turbo4j.core.quant.awq.AutoAwq} runs them in order.
 */
package dev.turbo4j.core.quant.awq;
