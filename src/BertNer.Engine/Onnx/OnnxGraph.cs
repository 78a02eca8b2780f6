using Google.Protobuf;
using Onnx;

namespace BertNer.Onnx;

/// <summary>
/// Builds an ONNX graph from the schema's generated classes (OnnxSharp): named inputs and outputs with
/// symbolic axes, initializers as little-endian raw data, nodes with typed attributes. Keeps the exporter
/// about BERT, not about protobuf.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>Microsoft's contrib operators (Attention, SkipLayerNormalization, ...): ONNX Runtime's own domain.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    public GraphProto Graph { get; }
    private int _nodes;

    public OnnxGraph(string name) => Graph = new GraphProto { Name = name };

    public void Input(string name, TensorProto.Types.DataType type, params object[] dims) => Graph.Input.Add(ValueInfo(name, type, dims));

    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) => Graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>A float initializer; returns its name for use as a node input.</summary>
    public string Floats(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        var bytes = new byte[data.Length * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).CopyTo(bytes);
        return Raw(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    /// <summary>An int8 initializer (quantized weights).</summary>
    public string Int8s(string name, ReadOnlySpan<sbyte> data, params long[] dims) =>
        Raw(name, TensorProto.Types.DataType.Int8, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).ToArray(), dims);

    private string Raw(string name, TensorProto.Types.DataType type, byte[] littleEndian, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; exporting on a big-endian machine is not supported.");
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        t.Dims.Add(dims);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node; its single output is named after <paramref name="output"/>.</summary>
    public string Node(string opType, string[] inputs, string output, string domain = "", params (string Name, object Value)[] attributes) =>
        Node(opType, inputs, new[] { output }, domain, attributes)[0];

    public string[] Node(string opType, string[] inputs, string[] outputs, string domain = "", params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}", Domain = domain };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        Graph.Node.Add(node);
        return outputs;
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double d => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)d },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        _ => throw new ArgumentException($"No ONNX attribute type for {value.GetType().Name} ('{name}')."),
    };

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbolic
                ? new TensorShapeProto.Types.Dimension { DimParam = symbolic }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
