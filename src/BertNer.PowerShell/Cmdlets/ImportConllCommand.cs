using System.Management.Automation;
using BertNer.Data;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Reads CoNLL files as NerSentence objects with IOB2 labels, one sentence at a time.
/// Each token line holds a token and a label in columns separated by spaces or tabs
/// (two or more columns; -TokenColumn and -LabelColumn pick them, counting from 0, negative from the end).
/// -DOCSTART- lines start documents; blank lines end sentences. Labels in IOB1 or BIOES are converted to IOB2;
/// -Scheme Auto (the default) decides per file: BIOES if any S-/E- tag, else IOB1 if any I- tag starts an
/// entity, else IOB2. -Verbose shows the decision and the tag that made it.
/// Bad input is never dropped silently. A bad sentence (wrong column count, empty token
/// or label, a tag that is malformed or does not fit the scheme) is an InvalidData error whose message and
/// TargetObject name "file:line". By default the first one is a terminating error. When -ErrorAction is given
/// with any value but Stop, or $ErrorActionPreference is SilentlyContinue or Ignore, each bad sentence is
/// instead reported as a non-terminating error and skipped, and reading goes on (see -ErrorVariable / $Error).
/// Problems with a whole file (not UTF-8, a column number out of range) follow the same rule per file.
/// </summary>
[Cmdlet(VerbsData.Import, "Conll", DefaultParameterSetName = PathSet)]
[OutputType(typeof(NerSentence))]
public sealed class ImportConllCommand : BertNerCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>CoNLL files; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>CoNLL files, taken literally (no wildcards). Files from Get-ChildItem bind here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Column of the token, from 0 (default: 0, the first).</summary>
    [Parameter]
    public int TokenColumn { get; set; }

    /// <summary>Column of the gold label, from 0; negative counts from the end (default: -1, the last).</summary>
    [Parameter]
    public int LabelColumn { get; set; } = -1;

    /// <summary>How the labels are written: Auto (default), IOB1, IOB2 or BIOES.</summary>
    [Parameter]
    public TagSchemeKind Scheme { get; set; } = TagSchemeKind.Auto;

    protected override void ProcessRecord()
    {
        var skipBadSentences = SkipsBadSentences();
        var options = new ConllReaderOptions { TokenColumn = TokenColumn, LabelColumn = LabelColumn, Scheme = Scheme };
        foreach (var file in ResolveFiles())
        {
            var reader = new ConllReader(file, options);
            int sentences = 0, bad = 0;
            try
            {
                WriteVerbose($"{file}: labels read as {reader.ResolveScheme()}, converted to IOB2.");
                Action<BertNerException>? onBadSentence = skipBadSentences ? e => { bad++; WriteError(Record(e)); } : null;
                foreach (var sentence in reader.Read(onBadSentence))
                {
                    sentences++;
                    WriteObject(sentence);
                }
            }
            catch (BertNerException e)
            {
                if (skipBadSentences) WriteError(Record(e));
                else ThrowTerminatingError(Record(e));
                continue;
            }
            // Nothing at all, and no error to say why: say so, or an empty result looks like success.
            if (sentences == 0 && bad == 0)
                WriteWarning(new FileInfo(file).Length == 0
                    ? $"'{file}' is empty (0 bytes), so it gave no sentences. Check that the path names the CoNLL file you meant."
                    : $"'{file}' has no token lines (only blank or -DOCSTART- lines), so it gave no sentences. Check that the path names the CoNLL file you meant.");
        }
    }

    /// <summary>An engine error as an ErrorRecord; a label that is no tag also says how to pick another column with -LabelColumn.</summary>
    private static ErrorRecord Record(BertNerException e)
    {
        var record = ErrorRecords.From(e);
        if (e is ConllLabelColumnException c)
        {
            var what = c.TagColumns.Count switch
            {
                0 => " If the labels are in another column, give its number (from 0) with -LabelColumn.",
                1 => $" Read them with -LabelColumn {c.TagColumns[0]}.",
                _ => $" Read them with -LabelColumn {string.Join(" or -LabelColumn ", c.TagColumns)}.",
            };
            record.ErrorDetails = new ErrorDetails(c.Message + what);
        }
        return record;
    }

    /// <summary>The error rule of this cmdlet: stop at the first bad sentence unless the caller asked to go on.</summary>
    private bool SkipsBadSentences()
    {
        if (MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound))
            return Preference(bound) != ActionPreference.Stop;
        // The default preference (Continue) does not count as asking: bad data stops unless told otherwise.
        return Preference(GetVariableValue("ErrorActionPreference")) is ActionPreference.SilentlyContinue or ActionPreference.Ignore;
    }

    private static ActionPreference? Preference(object? value) =>
        Enum.TryParse<ActionPreference>((value is PSObject pso ? pso.BaseObject : value)?.ToString(), ignoreCase: true, out var p) ? p : null;

    private List<string> ResolveFiles()
    {
        if (ParameterSetName == LiteralPathSet)
        {
            var files = new List<string>();
            foreach (var f in LiteralPath.SelectMany(p => InputFiles.Literal(this, [p])))
            {
                if (File.Exists(f.FullPath) || Directory.Exists(f.FullPath)) files.Add(f.FullPath); // the reader explains a folder
                else WriteError(InputFiles.NotFound($"Cannot find the CoNLL file '{f.FullPath}'.", f.Given));
            }
            return files;
        }
        return InputFiles.Expand(this, Path, "CoNLL file", (p, provider) =>
        {
            if (provider.Name == "FileSystem") return true;
            WriteError(ErrorRecords.Argument($"'{p}' is on the {provider.Name} drive; CoNLL files must be on a file system drive.", nameof(Path), p));
            return false;
        }).Select(f => f.FullPath).ToList();
    }
}
