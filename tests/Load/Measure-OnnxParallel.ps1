#Requires -Version 7.4
<#
.SYNOPSIS
    Sentences/s of Get-NerEntity on an ONNX export with 1, 2 and 4 runspaces of ForEach-Object -Parallel.
.DESCRIPTION
    Every runspace of the process gets the same ONNX Runtime session from BertNer's model cache (ONNX
    Runtime's Run is thread-safe), so the runspaces share one copy of the weights. The texts are the
    validation sentences of CoNLL-2003 joined into lines, split into as many chunks as runspaces. Each
    runspace tags its chunk with -BatchSize 32. The session's own intra-op threads are one per core, so
    more runspaces than cores share the cores rather than multiply them. Prints one line per runspace count.
.EXAMPLE
    ./build.sh; .tools/pwsh/pwsh -NoProfile -File tests/Load/Measure-OnnxParallel.ps1 -Export exports/minilm
#>
[CmdletBinding()]
param(
    # A folder written by Export-BertNerModel (made from ../shared's MiniLM with a new head when not given).
    [string] $Export,
    [string] $SharedPath = (Join-Path $PSScriptRoot '../../../shared'),
    [int[]] $Runspaces = @(1, 2, 4),
    [string] $Module = $(if ($env:BERTNER_MODULE) { $env:BERTNER_MODULE } else { Join-Path $PSScriptRoot '../../out/BertNer/BertNer.psd1' })
)
$ErrorActionPreference = 'Stop'
$validPath = Join-Path $SharedPath 'data/conll2003/valid.txt'
if (-not (Test-Path $validPath)) { throw "The texts come from CoNLL-2003's validation file, which is not at '$validPath': give -SharedPath (a folder with data/conll2003/valid.txt and models/minilm-l6-h384-uncased)." }
Import-Module $Module
$scratch = $null
if (-not $Export) {
    $scratch = Join-Path ([IO.Path]::GetTempPath()) "bertner-parallel-$([guid]::NewGuid().ToString('N'))"
    $labels = 'O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC'
    $model = Import-BertNerModel (Join-Path $SharedPath 'models/minilm-l6-h384-uncased') -Labels $labels -Device Cpu -WarningAction SilentlyContinue
    $Export = (Export-BertNerModel $model (Join-Path $scratch 'onnx')).FullName
}
try {
    $texts = @(Import-Conll $validPath | ForEach-Object { $_.Tokens -join ' ' })
    Get-NerEntity -Text $texts[0..63] -Model $Export | Out-Null   # load the session once, before timing
    foreach ($n in $Runspaces) {
        $chunks = @(0..($n - 1) | ForEach-Object { $i = $_; , @($texts | Select-Object -Skip ($i * [Math]::Ceiling($texts.Count / $n)) -First ([Math]::Ceiling($texts.Count / $n))) })
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $entities = $chunks | ForEach-Object -ThrottleLimit $n -Parallel {
            Import-Module $using:Module
            (Get-NerEntity -Text $_ -Model $using:Export -BatchSize 32 | Measure-Object).Count
        } | Measure-Object -Sum
        $seconds = $clock.Elapsed.TotalSeconds
        '{0} runspace(s): {1:N0} sentences in {2:F1} s = {3:F0} sentences/s ({4:N0} entities)' -f $n, $texts.Count, $seconds, ($texts.Count / $seconds), $entities.Sum
    }
}
finally {
    if ($scratch -and (Test-Path $scratch)) { Remove-Item $scratch -Recurse -Force }   # this script's own temporary export
}
