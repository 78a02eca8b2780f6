using System.Text.Json.Nodes;

namespace BertNer.Tests.Support;

public static class Json
{
    public static float[] Floats(JsonNode? n) => n!.AsArray().Select(x => (float)x!.GetValue<double>()).ToArray();
    public static long[] Longs(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
    public static int?[] NullableInts(JsonNode? n) => n!.AsArray().Select(x => x is null ? (int?)null : x.GetValue<int>()).ToArray();
    public static string[] Strings(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
    public static float[] Flat2D(JsonNode? n) => n!.AsArray().SelectMany(r => Floats(r)).ToArray();
}
