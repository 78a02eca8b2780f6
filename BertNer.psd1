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
    # The loader comes first: it sets up BertNer's own load context, from which the engine and its dependencies load
    # (lib/). They must never be listed here (RequiredAssemblies, NestedModules): that would load them into
    # PowerShell's default context, where another module's YamlDotNet can clash with ours (docs/design.md).
    NestedModules        = @('BertNer.Loader.dll')
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
            Tags         = @('NER', 'BERT', 'NLP', 'TorchSharp', 'MachineLearning', 'NamedEntityRecognition', 'CoNLL', 'ONNX',
                'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ReleaseNotes = @'
0.1.0: first package. Fine-tune BERT for NER from CoNLL files or the pipeline (Start-BertNerTraining, YAML configs),
evaluate with conlleval's metrics (Measure-BertNerModel), tag text (Get-NerEntity), export to ONNX
(Export-BertNerModel). The engine loads in its own assembly load context, so other modules' YamlDotNet or
Protobuf do not clash with BertNer's. The package holds no native libraries: libtorch and ONNX Runtime are a
separate runtime download (see the README's Install section).
'@
        }
    }
}
