using System.Management.Automation;
using BertNer.Data;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Writes NerSentence objects to a CoNLL file: token, gold label and (when present) predicted label per line.
/// Sentences are separated by a blank line, and a -DOCSTART- line is written whenever the
/// document (source file or document index) changes, unless -NoDocStart. The columns are fixed by the first
/// sentence: if it has PredictedLabels, every sentence must. The file is UTF-8 without BOM with LF line endings,
/// and it appears whole when the pipeline ends (written to a temporary file, then renamed): an error or Ctrl+C
/// leaves no partial file behind. An existing file is only replaced with -Force.
/// </summary>
[Cmdlet(VerbsData.Export, "Conll", SupportsShouldProcess = true)]
public sealed class ExportConllCommand : BertNerCmdlet
{
    private ConllWriter? _writer;

    /// <summary>The CoNLL file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The sentences to write (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public NerSentence[] InputObject { get; set; } = [];

    /// <summary>Do not write -DOCSTART- lines.</summary>
    [Parameter]
    public SwitchParameter NoDocStart { get; set; }

    /// <summary>Replace the file if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void BeginProcessing()
    {
        var full = GetUnresolvedProviderPathFromPSPath(Path);
        CheckOverwrite(full, Force, nameof(Path));
        if (!ShouldProcess(full, "Write CoNLL file")) return;
        try
        {
            _writer = new ConllWriter(full, documentStarts: !NoDocStart, overwrite: Force);
        }
        catch (BertNerException e)
        {
            Terminate(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, full));
        }
    }

    protected override void ProcessRecord()
    {
        var writer = _writer;
        if (writer is null) return;
        foreach (var sentence in InputObject)
        {
            try
            {
                writer.Write(sentence);
            }
            catch (BertNerException e)
            {
                // Drop the temporary file now: the target stays as it was.
                writer.Dispose();
                _writer = null;
                Terminate(e, e.Target ?? (object)sentence);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_writer is null) return;
        try
        {
            _writer.Commit();
        }
        catch (BertNerException e)
        {
            Terminate(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, _writer.Path));
        }
        if (_writer.SentencesWritten == 0) WriteWarning($"No sentences came down the pipeline; '{_writer.Path}' is empty.");
        else WriteVerbose($"Wrote {_writer.SentencesWritten} sentences to '{_writer.Path}'.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _writer?.Dispose();
        base.Dispose(disposing);
    }
}
