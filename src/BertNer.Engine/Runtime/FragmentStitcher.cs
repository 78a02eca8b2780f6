using System.Security.Cryptography;

namespace BertNer.Runtime;

/// <summary>
/// Re-joins files that NuGet's 250 MB package limit made TorchSharp split (the CUDA builds of libtorch): the start of
/// a file ships in a "-primary" package with <c>name.sha</c> (SHA-256 of the whole file, hex), the rest in "-fragmentN"
/// packages as <c>fragments/&lt;rid&gt;/native/name.fragmentN</c>. TorchSharp's RestitchPackage.targets does this at
/// build time; BertNer repeats it when installing: append fragments 1..N in order, then compare the SHA-256.
/// </summary>
internal static class FragmentStitcher
{
    /// <summary>
    /// For each file in <paramref name="folder"/> with pieces in <paramref name="fragmentFolder"/>, appends them and checks
    /// the result against its <c>.sha</c>. Returns the names stitched.
    /// </summary>
    public static IReadOnlyList<string> Stitch(string folder, string fragmentFolder)
    {
        var stitched = new List<string>();
        if (!Directory.Exists(fragmentFolder)) return stitched;
        var pieces = Directory.EnumerateFiles(fragmentFolder, "*.fragment*")
            .Select(p => (Path: p, Name: Path.GetFileName(p)))
            .Select(p => (p.Path, Base: p.Name[..p.Name.LastIndexOf(".fragment", StringComparison.Ordinal)],
                Index: int.TryParse(p.Name[(p.Name.LastIndexOf(".fragment", StringComparison.Ordinal) + 9)..], out var i) ? i : -1))
            .GroupBy(p => p.Base);
        foreach (var group in pieces)
        {
            var target = Path.Combine(folder, group.Key);
            var ordered = group.OrderBy(p => p.Index).ToList();
            if (!File.Exists(target) || ordered.Any(p => p.Index < 1) || ordered.Select(p => p.Index).SequenceEqual(Enumerable.Range(1, ordered.Count)) is false)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"The pieces of '{group.Key}' do not fit together (primary {(File.Exists(target) ? "present" : "missing")}, fragments {string.Join(", ", ordered.Select(p => p.Index))}): a package of the runtime is missing or from another version.", group.Key);
            using (var output = new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 20))
                foreach (var piece in ordered)
                    using (var input = File.OpenRead(piece.Path)) input.CopyTo(output);
            var shaFile = Path.Combine(fragmentFolder, group.Key + ".sha");
            if (!File.Exists(shaFile))
                throw new BertNerException(BertNerErrorKind.InvalidData, $"'{group.Key}' came in {ordered.Count + 1} pieces but without its '{group.Key}.sha' to check the joined file against.", group.Key);
            var expected = File.ReadAllText(shaFile).Trim().ToLowerInvariant();
            string actual;
            using (var joined = File.OpenRead(target)) actual = Convert.ToHexString(SHA256.HashData(joined)).ToLowerInvariant();
            if (actual != expected)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"'{group.Key}', joined from {ordered.Count + 1} pieces, has SHA-256 {actual} but its .sha says {expected}: a piece is damaged or from another version.", group.Key);
            stitched.Add(group.Key);
        }
        return stitched;
    }
}
