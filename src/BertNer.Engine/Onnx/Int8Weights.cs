namespace BertNer.Onnx;

/// <summary>
/// Symmetric int8 quantization of a [in, out] weight matrix with one scale per output column, the form
/// DynamicQuantizeMatMul takes without a zero point: w ≈ q · scale, q in [-127, 127].
/// </summary>
internal static class Int8Weights
{
    public static (sbyte[] Values, float[] Scales) Quantize(float[] weight, int rows, int columns)
    {
        var scales = new float[columns];
        for (int r = 0; r < rows; r++)
            for (int col = 0; col < columns; col++)
                scales[col] = Math.Max(scales[col], Math.Abs(weight[r * columns + col]));
        for (int col = 0; col < columns; col++) scales[col] = scales[col] > 0 ? scales[col] / 127f : 1f;
        var q = new sbyte[weight.Length];
        for (int r = 0; r < rows; r++)
            for (int col = 0; col < columns; col++)
                q[r * columns + col] = (sbyte)Math.Clamp(MathF.Round(weight[r * columns + col] / scales[col]), -127f, 127f);
        return (q, scales);
    }
}
