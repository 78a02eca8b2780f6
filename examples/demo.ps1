<#
.SYNOPSIS
    The main job behind the README's first command: a short real fine-tune of the pretrained MiniLM
    encoder on CoNLL-2003, then tagging a sentence with the result.
.DESCRIPTION
    Uses the shared assets beside the repository (../shared). 2,000 training sentences and one epoch
    take a few minutes on 2 CPU cores; the full recipe is examples/conll2003.yaml.
#>
param(
    [string] $SharedPath = (Join-Path $PSScriptRoot '../../shared'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../runs/demo'),
    [int] $TrainSentences = 2000
)
$ErrorActionPreference = 'Stop'
Import-Module $env:BERTNER_MODULE
$model = Join-Path $SharedPath 'models/minilm-l6-h384-uncased'
$data = Join-Path $SharedPath 'data/conll2003'
if (-not (Test-Path $model)) { throw "No pretrained model at '$model'. Put the shared assets beside the repo (../shared)." }

Import-BertNerModel -Path $model -Device Cpu | Format-Table

Import-Conll (Join-Path $data 'train.txt') | Measure-Conll | Format-List

if (Test-Path $OutputPath) { Remove-Item $OutputPath -Recurse -Force }   # the demo starts afresh each time
$valid = Import-Conll (Join-Path $data 'valid.txt') | Select-Object -First 500
$run = Import-Conll (Join-Path $data 'train.txt') | Select-Object -First $TrainSentences |
    Start-BertNerTraining -Model $model -ValidationSet $valid -Epochs 1 -LearningRate 5e-5 -OutputPath $OutputPath -Device Cpu
$run | Format-List

Get-NerEntities -Text 'Angela Merkel met Emmanuel Macron in Paris.', 'The European Union fined Google in Brussels on Tuesday.' -Model $run.BestModelPath |
    Format-Table
