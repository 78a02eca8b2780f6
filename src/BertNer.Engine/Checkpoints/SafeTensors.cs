using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertNer.IO;
using static TorchSharp.torch;

namespace BertNer.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw data).
/// Written here rather than taken from a package so every malformed file gets an error naming the file,
/// the tensor and what is wrong, and so floats round-trip bit for bit.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeader = 100_000_000;

    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["F64"] = (ScalarType.Float64, 8),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Loads every tensor on the CPU, in the dtype stored.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var fs = OpenRead(path);
        long length = fs.Length;
        Span<byte> lenBytes = stackalloc byte[8];
        if (length < 8 || fs.Read(lenBytes) != 8) throw Bad(path, "the file is shorter than the 8-byte header length; it is truncated or not a safetensors file");
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(lenBytes);
        if (headerLen <= 1 || headerLen > MaxHeader || headerLen > length - 8)
            throw Bad(path, $"the header length ({headerLen} bytes) runs past the end of the {length}-byte file; the file is truncated or not safetensors");
        var headerBytes = new byte[headerLen];
        fs.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = StrictJson.Parse(headerBytes) as JsonObject ?? throw Bad(path, "the header is not a JSON object");
        }
        catch (JsonException e) { throw Bad(path, $"the header is not valid JSON ({e.Message})"); }

        long dataStart = 8 + headerLen, dataLen = length - dataStart;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var quoted = MessageText.Quote(name);
                var entry = node as JsonObject ?? throw Bad(path, $"tensor {quoted} has no description object");
                var dtypeName = entry["dtype"] is JsonValue dv && dv.TryGetValue<string>(out var dn) ? dn : throw Bad(path, $"tensor {quoted} has no dtype string");
                if (!DTypes.TryGetValue(dtypeName, out var dt))
                    throw Bad(path, $"tensor {quoted} has dtype {MessageText.Quote(dtypeName)}; supported: {string.Join(", ", DTypes.Keys)}");
                var shape = WholeNumbers(entry["shape"]) ?? throw Bad(path, $"tensor {quoted} has no shape (a list of whole numbers)");
                if (shape.Any(d => d < 0)) throw Bad(path, $"tensor {quoted} has a negative dimension in shape [{string.Join(", ", shape)}]");
                var offs = WholeNumbers(entry["data_offsets"]);
                if (offs is not { Length: 2 }) throw Bad(path, $"tensor {quoted} has no [begin, end] data_offsets");
                long count = shape.Aggregate(1L, (a, d) => checked(a * d));
                if (offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLen)
                    throw Bad(path, $"tensor {quoted} claims bytes {offs[0]}..{offs[1]} but the data section has {dataLen} bytes; the file is truncated");
                if (offs[1] - offs[0] != checked(count * dt.Size))
                    throw Bad(path, $"tensor {quoted} ({dtypeName} [{string.Join(", ", shape)}]) needs {count * dt.Size} bytes but its offsets span {offs[1] - offs[0]}");
                // Read straight into the tensor's native memory: no managed copy of the weights (a
                // 47-89 MB embedding would otherwise sit on the large-object heap until a full GC).
                var t = empty(shape, dt.Type);
                result.Add(name, t);
                if (count > 0)
                {
                    fs.Position = dataStart + offs[0];
                    fs.ReadExactly(t.bytes);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or EndOfStreamException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw Bad(path, $"the header is malformed ({e.Message})");
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Writes tensors (sorted by name, as safetensors does) with {"format":"pt"} metadata, atomically.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var items = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        var payloads = new List<Tensor>();
        using var scope = NewDisposeScope(); // the detached CPU views below (copies only for GPU or strided tensors)
        foreach (var (name, t) in items)
        {
            var cpu = t.detach().cpu().contiguous();
            var dtypeName = DTypes.First(kv => kv.Value.Type == cpu.dtype).Key;
            long size = cpu.numel() * cpu.element_size();
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
            payloads.Add(cpu);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // keep the data 8-byte aligned, as the reference writer does
        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, json.Length + pad);
            fs.Write(len);
            fs.Write(json);
            for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
            // Written from the tensors' native memory, without a managed copy: a checkpoint (weights and
            // AdamW moments) is 270 MB for MiniLM, and a copy would add that to the run's peak RSS.
            foreach (var p in payloads) if (p.numel() > 0) fs.Write(p.bytes);
        });
    }

    // A JSON list of whole numbers, or null for anything else (null elements, fractions, strings).
    private static long[]? WholeNumbers(JsonNode? node)
    {
        if (node is not JsonArray a) return null;
        var result = new long[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out result[i])) return null;
        }
        return result;
    }

    private static FileStream OpenRead(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20); }
        catch (FileNotFoundException e) { throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"No weights file at '{path}'.", path, e); }
    }

    private static BertNerException Bad(string path, string what) =>
        new(BertNerErrorKind.InvalidData, $"'{path}' is not a usable safetensors file: {what}. Re-download or re-save the model.", path);
}
