using System.Text.RegularExpressions;

namespace BertNer.Hub;

/// <summary>
/// A Hugging Face model id and revision, written <c>name</c>, <c>organization/name</c>, optionally followed by
/// <c>@revision</c> (default <c>main</c>). Validated strictly because both parts become folder names in the cache:
/// nothing a user or a server sends may climb out of it.
/// </summary>
public sealed partial class HubModelId : IEquatable<HubModelId>
{
    public const string DefaultRevision = "main";

    /// <summary>The repository id, e.g. <c>dslim/bert-base-NER</c>.</summary>
    public string Id { get; }

    /// <summary>A branch, tag or 40-hex commit hash.</summary>
    public string Revision { get; }

    /// <summary>True when <see cref="Revision"/> is a commit hash: its files can never change.</summary>
    public bool RevisionIsCommit => IsCommitHash(Revision);

    /// <summary>The folder huggingface_hub uses for this repository: <c>models--{org}--{name}</c>.</summary>
    public string CacheFolderName => "models--" + Id.Replace("/", "--", StringComparison.Ordinal);

    private HubModelId(string id, string revision)
    {
        Id = id;
        Revision = revision;
    }

    public static HubModelId Parse(string text) =>
        TryParse(text, out var id, out var problem)
            ? id!
            : throw new BertNerException(BertNerErrorKind.InvalidArgument, problem!, text);

    /// <summary>Parses <c>id[@revision]</c>; on failure <paramref name="problem"/> says what is wrong and what is expected.</summary>
    public static bool TryParse(string? text, out HubModelId? id, out string? problem)
    {
        id = null;
        problem = null;
        text = text?.Trim() ?? "";
        var at = text.IndexOf('@');
        var name = at < 0 ? text : text[..at];
        var revision = at < 0 ? DefaultRevision : text[(at + 1)..];
        if (!IsValidId(name))
        {
            problem = $"'{text}' is not a valid Hugging Face model id: expected 'name' or 'organization/name' made of letters, digits, '.', '_' and '-' "
                + "(not starting with a symbol, without '..' or '--'), e.g. 'bert-base-cased' or 'dslim/bert-base-NER', optionally followed by '@revision'.";
            return false;
        }
        if (!IsValidRevision(revision))
        {
            problem = $"'{revision}' in '{text}' is not a valid revision: expected a branch, tag or commit hash made of letters, digits, '.', '_', '-' and '/' "
                + "(not starting with a symbol, without '..'), e.g. 'main', 'v1.0' or a 40-character commit hash.";
            return false;
        }
        id = new HubModelId(name, revision);
        return true;
    }

    public static bool IsValidId(string name) =>
        name.Length is > 0 and <= 200 && IdPattern().IsMatch(name)
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("--", StringComparison.Ordinal);

    public static bool IsValidRevision(string revision) =>
        revision.Length is > 0 and <= 255 && RevisionPattern().IsMatch(revision) && !revision.Contains("..", StringComparison.Ordinal);

    public static bool IsCommitHash(string text) => CommitPattern().IsMatch(text);

    public override string ToString() => $"{Id}@{Revision}";
    public bool Equals(HubModelId? other) => other is not null && Id == other.Id && Revision == other.Revision;
    public override bool Equals(object? obj) => Equals(obj as HubModelId);
    public override int GetHashCode() => HashCode.Combine(Id, Revision);

    // \z, not $: in .NET '$' also matches before a final line break, which would let "bert\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*\z")]
    private static partial Regex RevisionPattern();

    [GeneratedRegex(@"^[0-9a-f]{40}\z")]
    private static partial Regex CommitPattern();
}
