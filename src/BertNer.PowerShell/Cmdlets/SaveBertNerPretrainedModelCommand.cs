using System.Management.Automation;
using BertNer.Hub;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Downloads a pretrained model from the Hugging Face Hub into the shared cache (HF_HUB_CACHE), ready for offline use.
/// Names are 'name' or 'organization/name', optionally '@revision' (default main). The cache is
/// the one Python's huggingface_hub uses. HF_TOKEN is sent for private or gated models; HF_ENDPOINT picks a mirror.
/// </summary>
[Cmdlet(VerbsData.Save, "BertNerPretrainedModel", SupportsShouldProcess = true)]
[OutputType(typeof(HubSnapshot))]
public sealed class SaveBertNerPretrainedModelCommand : BertNerCmdlet
{
    private const int ActivityId = 41;

    /// <summary>Model ids such as 'bert-base-cased' or 'dslim/bert-base-NER@main'.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Model", "Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.HubModelCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Use only the cache (as HF_HUB_OFFLINE=1 does); fails if the model is not fully there.</summary>
    [Parameter]
    public SwitchParameter Offline { get; set; }

    /// <summary>The hub or mirror to download from (default HF_ENDPOINT, else https://huggingface.co).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name) Save(name);
    }

    private void Save(string name)
    {
        HubModelId id;
        try { id = HubModelId.Parse(name); }
        catch (BertNerException e) { Report(e, name); return; }

        var options = new HubOptions();
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Offline))) options.Offline = Offline.IsPresent;
        if (Endpoint is not null) options.Endpoint = Endpoint;
        // -WhatIf says what would be fetched from where into which folder, and asks nothing of the hub.
        var folder = System.IO.Path.Combine(System.IO.Path.GetFullPath(options.CacheFolder), id.CacheFolderName);
        var action = options.Offline
            ? $"Check that the Hugging Face cache holds every file of {id} (offline: nothing is downloaded)"
            : $"Download config.json, vocab.txt, the tokenizer settings and the weights (model.safetensors, else pytorch_model.bin) of {id} " +
              $"from {options.Endpoint.TrimEnd('/')}/{id.Id}, except files already cached";
        if (!ShouldProcess($"{folder} ({id})", action)) return;
        bool showedProgress = false;
        try
        {
            var snapshot = RunOffPipeline<HubSnapshot, HubDownloadProgress>(
                (progress, ct) => new HubSnapshotResolver(options).ResolveAsync(id, progress, ct).GetAwaiter().GetResult(),
                p => { WriteProgress(HubProgressRecords.From(p, ActivityId)); showedProgress = true; });
            if (showedProgress) WriteProgress(HubProgressRecords.Completed(id.ToString(), ActivityId));
            foreach (var warning in snapshot.Warnings) WriteWarning(warning);
            WriteVerbose($"{snapshot}: {snapshot.Files.Count} files, {HubProgressRecords.Bytes(snapshot.Bytes)}, {HubProgressRecords.Bytes(snapshot.DownloadedBytes)} downloaded now.");
            WriteObject(snapshot);
        }
        catch (BertNerException e)
        {
            Report(e, name);
        }
        catch (OperationCanceledException) when (StopRequested)
        {
            throw new PipelineStoppedException();
        }
    }
}
