package dev.uem.torch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Where a model and its batches live: the CPU or one CUDA device ({@code --device cpu|cuda|cuda:N|auto}).
 *
 * <p>The model code itself never names a device: it creates every tensor from an input's or a weight's device (as HF's
 * T5 does with {@code device=x.device}); only the places where work enters the model (the module's parameters, a
 * {@link dev.uem.model.Batch}) are moved here, once.
 *
 * @param kind  CPU or CUDA
 * @param index the CUDA device number (0 for the CPU)
 */
public record ComputeDevice(Kind kind, int index) {
    public enum Kind {
        CPU,
        CUDA
    }

    public static final ComputeDevice CPU = new ComputeDevice(Kind.CPU, 0);

    private static final Pattern FORM = Pattern.compile("(cpu|auto|cuda)(?::(\\d{1,3}))?");

    public ComputeDevice {
        if (kind == null) throw new IllegalArgumentException("device kind missing");
        if (index < 0 || (kind == Kind.CPU && index != 0))
            throw new IllegalArgumentException("bad device index " + index + " for " + kind);
    }

    /**
     * Reads {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (CUDA device 0 when libtorch sees one, else the
     * CPU) and checks that the device exists here; a missing CUDA device is one line naming what is missing.
     */
    public static ComputeDevice resolve(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase());
        if (!m.matches() || (m.group(2) != null && !m.group(1).equals("cuda")))
            throw new IllegalArgumentException("--device: expected cpu, cuda, cuda:N or auto, found '" + text + "'");
        return switch (m.group(1)) {
            case "cpu" -> CPU;
            case "auto" -> cudaCount() > 0 ? new ComputeDevice(Kind.CUDA, 0) : CPU;
            default -> cuda(m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        };
    }

    private static ComputeDevice cuda(int index) {
        int count = cudaCount();
        if (count == 0)
            throw new IllegalArgumentException("--device cuda: libtorch sees no CUDA device here ("
                    + (torch.cuda_is_available()
                            ? ""
                            : "no NVIDIA driver, or a CPU-only build: the default jar is; "
                                    + "build the CUDA one with mvn -Pgpu package")
                    + "); use --device cpu or auto");
        if (index >= count)
            throw new IllegalArgumentException("--device cuda:" + index + ": this host has " + count + " CUDA device"
                    + (count == 1 ? "" : "s") + " (cuda:0" + (count > 1 ? "..cuda:" + (count - 1) : "") + ")");
        return new ComputeDevice(Kind.CUDA, index);
    }

    private static int cudaCount() {
        try {
            return torch.cuda_is_available() ? torch.cuda_device_count() : 0;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return 0; // a CPU build without the CUDA stubs
        }
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /** A new libtorch {@link Device} (owned by the caller's PointerScope, if one is open). */
    public Device torch() {
        return isCuda() ? new Device(torch.DeviceType.CUDA, (byte) index) : new Device(torch.DeviceType.CPU);
    }

    /** {@code t} on this device (the same tensor when it is already there). */
    public Tensor move(Tensor t) {
        return t == null ? null : t.to(torch(), t.scalar_type());
    }

    /** The device a tensor lives on. */
    public static ComputeDevice of(Tensor t) {
        Device d = t.device();
        return d.is_cuda() ? new ComputeDevice(Kind.CUDA, Math.max(0, d.index())) : CPU;
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : "cpu";
    }
}
