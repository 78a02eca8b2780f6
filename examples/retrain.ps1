<#
.SYNOPSIS
    CI retraining with a quality gate: train from a YAML config, evaluate on a held-out file, write
    metrics.json and a Markdown summary, and fail when F1 is too low or has regressed.
.DESCRIPTION
    Exit codes, so that a CI step can tell a typo from a worse model:
      0 = the model passed the gate
      1 = usage error: a parameter PowerShell could not bind (unknown name, value out of range, missing
          -ConfigPath; PowerShell itself exits 1 for these) or a combination this script refuses (no config
          file, no held-out file, -TrainLimit without train_path). Nothing was trained.
      2 = F1 regressed by more than -MaxRegression against -PreviousMetricsPath
      3 = training or evaluation failed (a config error, a model that does not load, ...)
      4 = F1 below -MinimumF1
    A persistent CI agent that runs this again into the same -OutputPath passes -Force: the previous run
    there is replaced (only a folder BertNer recognises as a run is ever removed).
    In GitHub Actions the summary is also appended to $env:GITHUB_STEP_SUMMARY.
.EXAMPLE
    pwsh examples/retrain.ps1 -ConfigPath examples/conll2003.yaml -EvaluationPath ../shared/data/conll2003/valid.txt -MinimumF1 0.85
.EXAMPLE
    pwsh examples/retrain.ps1 -ConfigPath train.yaml -PreviousMetricsPath last-release/metrics.json -MaxRegression 0.005
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    # Held-out CoNLL file to gate on (default: the config's validation_path).
    [string] $EvaluationPath,
    # Fail (exit 4) when the held-out F1 is below this (0..1).
    [ValidateRange(0.0, 1.0)] [double] $MinimumF1 = 0.0,
    # Fail (exit 2) when F1 is lower than the previous model's by more than this (0..1; 0.01 = one point).
    [ValidateRange(0.0, 1.0)] [double] $MaxRegression = 0.01,
    # metrics.json of the previous model (e.g. downloaded from the last release).
    [string] $PreviousMetricsPath,
    # Overrides the config's output_path.
    [string] $OutputPath,
    # Overrides the config's model (e.g. the local stand-in where bert-base-cased cannot be downloaded).
    [string] $Model,
    [string] $MetricsPath,
    [string] $SummaryPath,
    # For smoke runs: use only the first N training / evaluation sentences.
    [int] $TrainLimit,
    [int] $EvaluationLimit,
    [int] $Epochs,
    [double] $LearningRate,
    # Evaluate the existing run in -OutputPath again without training (re-gating).
    [switch] $NoTrain,
    # Replace a previous run in -OutputPath (a persistent CI agent re-running into the same folder).
    [switch] $Force,
    # Module to import (default: the staged module of this repository, else an installed BertNer).
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/BertNer/BertNer.psd1')
)
$ErrorActionPreference = 'Stop'
$InformationPreference = 'Continue'
$UsageError = 1   # also PowerShell's own exit code when it cannot bind a parameter of this script

function Exit-Usage([string] $message) {
    Write-Error "Usage: $message (exit code $UsageError; see Get-Help $PSCommandPath)" -ErrorAction Continue
    exit $UsageError
}

# Checks that need no module: a mistake here is the caller's, not the model's.
if (-not (Test-Path -LiteralPath $ConfigPath -PathType Leaf)) { Exit-Usage "-ConfigPath '$ConfigPath' is not a file. Give the YAML training config (New-BertNerTrainingConfig writes one)." }
$config = Get-Content -Raw -LiteralPath $ConfigPath
function Get-Key([string] $name) {
    if ($config -match "(?m)^$name\s*:\s*['""]?([^'""#\r\n]+?)['""]?\s*(#.*)?$") { $Matches[1].Trim() } else { $null }
}
$trainPath = Get-Key 'train_path'
if (-not $EvaluationPath) { $EvaluationPath = Get-Key 'validation_path' }
if (-not $EvaluationPath) { Exit-Usage "no held-out file: pass -EvaluationPath or set validation_path in '$ConfigPath'." }
if ($TrainLimit -and -not $trainPath -and -not $NoTrain) { Exit-Usage "-TrainLimit needs train_path in '$ConfigPath'." }
if ($NoTrain -and $Force) { Exit-Usage '-NoTrain re-evaluates the run in -OutputPath; -Force would replace it. Give one of them.' }

try {
    if (Test-Path $ModulePath) { Import-Module $ModulePath } else { Import-Module BertNer }
    if (-not $OutputPath) { $OutputPath = Get-Key 'output_path' }
    if (-not $OutputPath) { $OutputPath = 'runs/bertner' }
    $OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
    if (-not $MetricsPath) { $MetricsPath = Join-Path $OutputPath 'metrics.json' }
    if (-not $SummaryPath) { $SummaryPath = Join-Path $OutputPath 'summary.md' }

    $evaluation = Import-Conll $EvaluationPath
    if ($EvaluationLimit) { $evaluation = $evaluation | Select-Object -First $EvaluationLimit }

    if (-not $NoTrain) {
        $train = @{ ConfigPath = $ConfigPath; OutputPath = $OutputPath; ValidationSet = $evaluation }
        if ($Force) { $train.Force = $true }
        if ($Model) { $train.Model = $Model }
        if ($Epochs) { $train.Epochs = $Epochs }
        if ($LearningRate) { $train.LearningRate = $LearningRate }
        # Document context: each sentence read with its article's neighbours (set document_context in the YAML, or uncomment).
        # $train.DocumentContext = 64
        if ($TrainLimit) {
            $run = Import-Conll $trainPath | Select-Object -First $TrainLimit | Start-BertNerTraining @train
        } else {
            $run = Start-BertNerTraining @train   # reads train_path itself, validating the whole config first
        }
        Write-Information "Trained $($run.Steps) steps; best epoch $($run.BestEpoch)."
    }
    $best = Join-Path $OutputPath 'best'
    $ev = $evaluation | Measure-BertNerModel -Model $best
} catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 3
}

$previous = if ($PreviousMetricsPath -and (Test-Path $PreviousMetricsPath)) { Get-Content -Raw $PreviousMetricsPath | ConvertFrom-Json } else { $null }
$metrics = [ordered]@{
    f1 = $ev.F1; precision = $ev.Precision; recall = $ev.Recall; accuracy = $ev.Accuracy; loss = $ev.Loss
    sentences = $ev.Sentences; entities = $ev.GoldEntities
    per_type = @($ev.PerType | ForEach-Object { [ordered]@{ type = $_.Type; precision = $_.Precision; recall = $_.Recall; f1 = $_.F1; support = $_.Support } })
    model = $best; evaluation_path = (Resolve-Path $EvaluationPath).Path; config = (Resolve-Path $ConfigPath).Path
    previous_f1 = $previous.f1; minimum_f1 = $MinimumF1; max_regression = $MaxRegression
    created = (Get-Date).ToUniversalTime().ToString('o')
}
New-Item -ItemType Directory -Force (Split-Path $MetricsPath) | Out-Null
$tmp = "$MetricsPath.tmp"; $metrics | ConvertTo-Json -Depth 5 | Set-Content $tmp; Move-Item $tmp $MetricsPath -Force

$verdict = 0
$reason = 'passed'
if ($ev.F1 -lt $MinimumF1) { $verdict = 4; $reason = ('F1 {0:N4} is below the minimum {1:N4}' -f $ev.F1, $MinimumF1) }
elseif ($previous -and $ev.F1 -lt [double]$previous.f1 - $MaxRegression) {
    $verdict = 2; $reason = ('F1 {0:N4} regressed from {1:N4} by more than {2:N4}' -f $ev.F1, [double]$previous.f1, $MaxRegression)
}
$lines = @(
    '## BertNer retraining'
    ''
    '| metric | value |'
    '|---|---|'
    ('| F1 | {0:N4} |' -f $ev.F1)
    ('| precision | {0:N4} |' -f $ev.Precision)
    ('| recall | {0:N4} |' -f $ev.Recall)
    ('| accuracy | {0:N4} |' -f $ev.Accuracy)
    ('| previous F1 | {0} |' -f $(if ($previous) { '{0:N4}' -f [double]$previous.f1 } else { '-' }))
    ('| gate | {0} |' -f $reason)
    ''
    '| type | precision | recall | F1 | support |'
    '|---|---|---|---|---|'
) + @($ev.PerType | ForEach-Object { '| {0} | {1:N4} | {2:N4} | {3:N4} | {4} |' -f $_.Type, $_.Precision, $_.Recall, $_.F1, $_.Support })
$summary = $lines -join "`n"
$summary | Set-Content $SummaryPath
if ($env:GITHUB_STEP_SUMMARY) { $summary | Add-Content $env:GITHUB_STEP_SUMMARY }
Write-Information $summary
if ($verdict -ne 0) { Write-Error "Quality gate failed: $reason." -ErrorAction Continue }
exit $verdict
