package dev.uem.model;

import dev.uem.torch.ComputeDevice;
import org.bytedeco.pytorch.Tensor;

/**
 * One batch of examples as tensors. UEM arm: history rows {@code [B, p, 3s]} with their mask {@code [B, p]}, and
 * the instruction ids as the text {@code X} {@code [B, n]}. Text arm: {@code rows} and {@code userMask} are null and
 * the text is the instruction followed by the written-out history. Targets {@code [B, T]} are padded with -100.
 *
 * <p>{@code preferences} {@code [B, L]} is the multi-hot of each user's whole-history labels and
 * {@code windowPreferences} {@code [B, L]} the same rule applied to the shown window, over a
 * {@link dev.uem.data.LabelSpace}, and {@code windowStats} {@code [B, 3G]} the window's per-genre counts and mean
 * ratings ({@link dev.uem.data.LabelSpace#windowStats}): the targets of the UEM's preference head (null where nobody
 * needs them).
 */
public record Batch(
        Tensor rows,
        Tensor userMask,
        Tensor textIds,
        Tensor textMask,
        Tensor labels,
        Tensor preferences,
        Tensor windowPreferences,
        Tensor windowStats) {
    /** A batch without preference targets. */
    public Batch(Tensor rows, Tensor userMask, Tensor textIds, Tensor textMask, Tensor labels) {
        this(rows, userMask, textIds, textMask, labels, null, null, null);
    }

    /**
     * The same batch on {@code device}: one copy per tensor, made where a step begins (a no-op on the device it is on).
     */
    public Batch to(ComputeDevice device) {
        return new Batch(
                device.move(rows),
                device.move(userMask),
                device.move(textIds),
                device.move(textMask),
                device.move(labels),
                device.move(preferences),
                device.move(windowPreferences),
                device.move(windowStats));
    }
}
