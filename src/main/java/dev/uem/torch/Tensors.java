package dev.uem.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small conversions between Java arrays and libtorch tensors, so callers never touch raw pointers. */
public final class Tensors {
    private Tensors() {}

    // Shared option objects must outlive any PointerScope that happens to be open when this class loads:
    // retainReference keeps a scope's close from freeing them (it would leave a dangling pointer).
    public static final TensorOptions FLOAT = keep(new TensorOptions(torch.ScalarType.Float));
    public static final TensorOptions LONG = keep(new TensorOptions(torch.ScalarType.Long));
    public static final TensorOptions BOOL = keep(new TensorOptions(torch.ScalarType.Bool));

    private static TensorOptions keep(TensorOptions o) {
        o.retainReference();
        return o;
    }

    /** A float32 tensor holding a copy of {@code data} in the given shape. */
    public static Tensor floats(float[] data, long... shape) {
        return Tensor.create(data, shape);
    }

    /** An int64 tensor holding a copy of {@code data} in the given shape. */
    public static Tensor longs(long[] data, long... shape) {
        return Tensor.create(data, shape);
    }

    /** An int64 [rows, cols] tensor from a rectangular Java matrix. */
    public static Tensor longs(long[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        long[] flat = new long[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c)
                throw new IllegalArgumentException(
                        "ragged matrix: row " + i + " has " + rows[i].length + " columns, expected " + c);
            System.arraycopy(rows[i], 0, flat, i * c, c);
        }
        return Tensor.create(flat, r, c);
    }

    /**
     * {@code t} on the device of {@code like} (the same tensor when it is there already): how model code makes a tensor
     * from Java values next to its inputs, as HF's T5 does with {@code device=x.device}.
     */
    public static Tensor onDeviceOf(Tensor like, Tensor t) {
        return t.to(like.device(), t.scalar_type());
    }

    /** Row-major copy of a tensor's values as float32 (any dtype, any layout, any device). */
    public static float[] toFloats(Tensor t) {
        Tensor f = t.detach().cpu().to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) f.numel()];
        if (out.length > 0) f.data_ptr_float().get(out);
        return out;
    }

    /** Row-major copy of an integer tensor's values as int64 (any device). */
    public static long[] toLongs(Tensor t) {
        Tensor l = t.detach().cpu().to(torch.ScalarType.Long).contiguous();
        long[] out = new long[(int) l.numel()];
        if (out.length > 0) l.data_ptr_long().get(out);
        return out;
    }

    /** A [rows, cols] int64 tensor read back as a Java matrix. */
    public static long[][] toLongMatrix(Tensor t) {
        long[] shape = t.shape();
        if (shape.length != 2) throw new IllegalArgumentException("expected a 2-D tensor, got " + shape.length + "-D");
        long[] flat = toLongs(t);
        long[][] out = new long[(int) shape[0]][(int) shape[1]];
        for (int i = 0; i < out.length; i++) System.arraycopy(flat, i * out[i].length, out[i], 0, out[i].length);
        return out;
    }
}
