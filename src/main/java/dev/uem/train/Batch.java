package dev.uem.train;

import org.bytedeco.pytorch.Tensor;

/**
 * One batch of examples as tensors: history rows {@code [B, p, 3s]} with their mask {@code [B, p]}, the
 * instruction ids {@code [B, n]} with mask, and target ids {@code [B, T]} padded with -100.
 */
public record Batch(Tensor rows, Tensor userMask, Tensor instructionIds, Tensor instructionMask, Tensor labels) {}
