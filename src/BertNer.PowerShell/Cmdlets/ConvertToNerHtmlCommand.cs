using System.Management.Automation;
using BertNer.IO;
using BertNer.Inference;
using BertNer.PowerShell.Support;
using BertNer.Reports;

namespace BertNer.PowerShell.Cmdlets;

// Help: docs/help/ConvertTo-NerHtml.md.
[Cmdlet(VerbsData.ConvertTo, "NerHtml", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class ConvertToNerHtmlCommand : BertNerCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    public PSObject?[] InputObject { get; set; } = [];

    [Parameter]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string?[]? Text { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public string Title { get; set; } = EntityHtml.DefaultTitle;

    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly List<NerEntity> _entities = new();

    protected override void ProcessRecord()
    {
        foreach (var item in InputObject)
        {
            if (item is null) continue;
            if (ToEntity(item) is { } entity) _entities.Add(entity);
            else WriteError(ErrorRecords.Argument(
                $"ConvertTo-NerHtml takes entities from Get-NerEntity (objects with Type, Start, End, InputIndex and Input); got {Describe(item)}. Pass texts without entities with -Text.",
                nameof(InputObject), item));
        }
    }

    protected override void EndProcessing()
    {
        string html;
        try
        {
            html = EntityHtml.Render(AnnotatedText.Group(_entities, Text), Title);
        }
        catch (BertNerException e)
        {
            Terminate(e);
            return;
        }
        if (_entities.Count == 0 && Text is null)
            WriteWarning("No entities came down the pipeline, so the page lists no texts. Pass the texts with -Text to show them even without entities.");
        if (Path is null)
        {
            WriteObject(html);
            return;
        }
        var full = GetUnresolvedProviderPathFromPSPath(Path);
        CheckOverwrite(full, Force, nameof(Path));
        if (!ShouldProcess(full, "Write entity HTML page")) return;
        try
        {
            AtomicFile.WriteAllText(full, html);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, full));
        }
        // As Get-Item returns it: with PSPath, PSParentPath and the rest, so the file shows as in Get-ChildItem.
        WriteObject(InvokeProvider.Item.Get([full], force: false, literalPath: true), enumerateCollection: true);
    }

    /// <summary>A NerEntity, or one rebuilt from an object with its properties (Import-Clixml, Select-Object, a job's output).</summary>
    private static NerEntity? ToEntity(PSObject item)
    {
        if (item.BaseObject is NerEntity e) return e;
        object? Value(string name) => item.Properties[name]?.Value is { } v ? (v is PSObject p ? p.BaseObject : v) : null;
        if (Value(nameof(NerEntity.Input)) is not string input || Value(nameof(NerEntity.Type)) is not { } type) return null;
        if (!TryInt(Value(nameof(NerEntity.Start)), out var start) || !TryInt(Value(nameof(NerEntity.End)), out var end)) return null;
        TryInt(Value(nameof(NerEntity.InputIndex)), out var index);
        var score = LanguagePrimitives.TryConvertTo<double>(Value(nameof(NerEntity.Score)), out var s) ? s : 0;
        var text = Value(nameof(NerEntity.Text))?.ToString()
            ?? (start >= 0 && end >= start && end <= input.Length ? input[start..end] : "");
        return new NerEntity { Type = type.ToString() ?? "", Text = text, Start = start, End = end, Score = score, InputIndex = index, Input = input };
    }

    private static bool TryInt(object? value, out int result)
    {
        result = 0;
        return value is not null && LanguagePrimitives.TryConvertTo(value, out result);
    }

    private static string Describe(PSObject item) =>
        item.BaseObject is string s ? $"the string \"{(s.Length > 40 ? s[..40] + "…" : s)}\"" : $"a {item.BaseObject.GetType().Name}";
}
