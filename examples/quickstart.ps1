<#
.SYNOPSIS
    Quick start (and the README's main job): fine-tune a pretrained BERT briefly on CoNLL data, then
    tag a few sentences with the result.
.DESCRIPTION
    By default uses the shared assets beside the repository (../shared: the MiniLM stand-in model and
    CoNLL-2003); give -TrainPath/-ValidationPath/-Model to use your own. 2,000 sentences and one epoch
    take a few minutes on 2 CPU cores; the full recipe is examples/conll2003.yaml.
.EXAMPLE
    ./examples/quickstart.ps1
.EXAMPLE
    ./examples/quickstart.ps1 -TrainPath my/train.conll -ValidationPath my/dev.conll -Model bert-base-cased -TrainSentences 0
#>
param(
    [string] $SharedPath = (Join-Path $PSScriptRoot '../../shared'),
    [string] $Model = (Join-Path $SharedPath 'models/minilm-l6-h384-uncased'),
    [string] $TrainPath = (Join-Path $SharedPath 'data/conll2003/train.txt'),
    [string] $ValidationPath = (Join-Path $SharedPath 'data/conll2003/valid.txt'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../runs/quickstart'),
    # How many training sentences to use (0 = all).
    [int] $TrainSentences = 2000,
    [string] $ModulePath = $(if ($env:BERTNER_MODULE) { $env:BERTNER_MODULE } else { Join-Path $PSScriptRoot '../out/BertNer/BertNer.psd1' })
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
foreach ($p in $TrainPath, $ValidationPath) { if (-not (Test-Path $p)) { throw "No CoNLL file at '$p'. Give -TrainPath and -ValidationPath, or put the shared assets beside the repo (../shared)." } }

Import-BertNerModel -Path $Model -Device Cpu | Format-Table
Import-Conll $TrainPath | Measure-Conll | Format-List

$valid = Import-Conll $ValidationPath | Select-Object -First 500
$train = Import-Conll $TrainPath
if ($TrainSentences -gt 0) { $train = $train | Select-Object -First $TrainSentences }
# The quick start starts afresh each time: -Force replaces an earlier run in -OutputPath (a folder BertNer
# recognises as a run by its files), removing only what that run wrote; a file of the user's is never removed,
# and a folder that is not a run but holds a file by a run file's name (config.yaml, best/, ...) is refused.
$run = $train | Start-BertNerTraining -Model $Model -ValidationSet $valid -Epochs 1 -LearningRate 5e-5 -OutputPath $OutputPath -Device Cpu -Force
$run | Format-List

Get-NerEntities -Text 'Angela Merkel met Emmanuel Macron in Paris.', 'The European Union fined Google in Brussels on Tuesday.' -Model $run.BestModelPath |
    Format-Table
