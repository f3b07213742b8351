package dev.uem.train;

import org.bytedeco.pytorch.Tensor;

/**
 * One batch of examples as tensors. UEM arm: history rows {@code [B, p, 3s]} with their mask {@code [B, p]}, and
 * the instruction ids as the text {@code X} {@code [B, n]}. Text arm: {@code rows} and {@code userMask} are null and
 * the text is the instruction followed by the written-out history. Targets {@code [B, T]} are padded with -100.
 */
public record Batch(Tensor rows, Tensor userMask, Tensor textIds, Tensor textMask, Tensor labels) {}
