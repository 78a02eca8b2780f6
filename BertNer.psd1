@{
    RootModule           = 'BertNer.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7c1e-8d2a-4b0e-9a51-3f6c2d7e9b14'
    Author               = 'BertNer developers'
    CompanyName          = 'BertNer'
    Copyright            = '(c) BertNer developers. MIT License.'
    Description          = 'Fine-tune BERT for named-entity recognition and tag text, with typed objects on the pipeline (TorchSharp engine).'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # Loaded at import so scripts can use the engine's and TorchSharp's types ([TorchSharp.torch]) directly.
    RequiredAssemblies   = @('TorchSharp.dll', 'BertNer.Engine.dll')
    FormatsToProcess     = @('BertNer.Format.ps1xml')
    CmdletsToExport      = @(
        'Import-BertNerModel'
        'Import-Conll'
        'Export-Conll'
        'Measure-Conll'
        'Start-BertNerTraining'
        'New-BertNerTrainingConfig'
        'Measure-BertNerModel'
        'Get-NerEntity'
        'Save-BertNerPretrainedModel'
        'ConvertTo-NerHtml'
        'Export-BertNerModel'
        'Install-BertNerRuntime'
        'Get-BertNerRuntime'
        'Save-BertNerRuntime'
    )
    AliasesToExport      = @('Get-NerEntities')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('NER', 'BERT', 'NLP', 'TorchSharp', 'MachineLearning')
        }
    }
}
