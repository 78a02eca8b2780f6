#Requires -Version 7.4
<#
.SYNOPSIS
    Measures Import-Conll throughput on CoNLL-2003 train.txt and writes the figures into docs/performance.md.
.DESCRIPTION
    A benchmark, not a test: the figures depend on the machine and on what else runs on it.
    After one warm-up pass (JIT, file cache) it times -Runs passes of
      - Import-Conll as users run it (sentences go down the pipeline and are discarded), and
      - the engine's ConllReader alone (no pipeline), to show what the pipeline costs,
    and reports the median: time, sentences/s and MB/s (MB = 10^6 bytes of the file; with -Scheme Auto
    the reader scans the label column first, which is included).
.EXAMPLE
    ./build.ps1; $env:BERTNER_MODULE = "$PWD/out/BertNer/BertNer.psd1"; ./examples/bench-conll.ps1
#>
[CmdletBinding()]
param(
    [string] $SharedPath = (Join-Path $PSScriptRoot '../../shared'),
    [string] $Module = $(if ($env:BERTNER_MODULE) { $env:BERTNER_MODULE } else { Join-Path $PSScriptRoot '../out/BertNer/BertNer.psd1' }),
    [string] $Report = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../docs/performance.md')),
    [ValidateRange(1, 99)] [int] $Runs = 3,
    # Print the figures only; leave docs/performance.md alone.
    [switch] $NoReport
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

$train = Join-Path $SharedPath 'data/conll2003/train.txt'
if (-not (Test-Path $train)) { throw "No CoNLL-2003 train.txt at '$train'. Put the shared assets beside the repo (../shared) or pass -SharedPath." }
$train = (Resolve-Path $train).ProviderPath
Import-Module $Module

function Measure-Median([scriptblock] $Work) {
    $null = & $Work   # warm-up
    $times = foreach ($i in 1..$Runs) {
        [GC]::Collect()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $count = & $Work
        $sw.Stop()
        [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Sentences = $count }
    }
    $sorted = @($times | Sort-Object Seconds)
    $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
}

$bytes = (Get-Item $train).Length
$cases = [ordered]@{
    '`Import-Conll train.txt | Measure-Object` (the pipeline)' = { (Import-Conll -LiteralPath $train | Measure-Object).Count }
    '`ConllReader` alone (engine, no pipeline)'               = { [Linq.Enumerable]::Count([BertNer.Data.ConllReader]::ReadFile($train)) }
}
$rows = foreach ($name in $cases.Keys) {
    $m = Measure-Median $cases[$name]
    if ($m.Sentences -ne 14041) { throw "$name read $($m.Sentences) sentences, expected 14,041: not the CoNLL-2003 train.txt?" }
    [pscustomobject]@{
        What        = $name
        Seconds     = $m.Seconds
        SentencesPS = $m.Sentences / $m.Seconds
        MBPS        = $bytes / 1e6 / $m.Seconds
    }
}
$rows | Format-Table @{ n = 'What'; e = { $_.What -replace '`' } }, @{ n = 'Seconds'; e = { '{0:N3}' -f $_.Seconds } },
    @{ n = 'Sentences/s'; e = { '{0:N0}' -f $_.SentencesPS } }, @{ n = 'MB/s'; e = { '{0:N1}' -f $_.MBPS } } | Out-Host

if ($NoReport) { return }
$cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*'
$machine = '{0}, {1} logical cores{2}, .NET {3}, PowerShell {4}' -f [Runtime.InteropServices.RuntimeInformation]::OSDescription.Trim(),
    [Environment]::ProcessorCount, $(if ($cpu) { " ($cpu)" }), [Environment]::Version, $PSVersionTable.PSVersion
$section = @(
    '## Import-Conll'
    ''
    ('CoNLL-2003 `train.txt` ({0:N0} bytes, 14,041 sentences, 203,621 tokens), scheme Auto (a label-column scan, then the read), ' -f $bytes) +
        "median of $Runs runs after a warm-up. Measured $(Get-Date -Format 'yyyy-MM-dd') by ``examples/bench-conll.ps1`` on $machine."
    'MB = 10^6 bytes of the file. The machine is shared, so expect some noise.'
    ''
    '| what | time | sentences/s | MB/s |'
    '| --- | ---: | ---: | ---: |'
    # A pipe inside a table cell must be escaped, even in a code span.
    foreach ($r in $rows) { '| {0} | {1:N3} s | {2:N0} | {3:N1} |' -f ($r.What -replace '\|', '\|'), $r.Seconds, $r.SentencesPS, $r.MBPS }
    ''
) -join "`n"

# Replace this section (up to the next "## " heading) and keep everything else in the file.
$text = if (Test-Path $Report) { (Get-Content $Report -Raw) -replace "`r`n", "`n" } else { "# Performance`n`nMeasured figures; each section names the script that produced it.`n`n" }
$pattern = '(?ms)^## Import-Conll\n.*?(?=^## |\z)'
$text = if ($text -match $pattern) { [regex]::Replace($text, $pattern, { param($m) $section + "`n" }) } else { $text.TrimEnd("`n") + "`n`n" + $section }
[IO.File]::WriteAllText($Report, $text.TrimEnd("`n") + "`n")
Write-Host "Wrote the Import-Conll figures to $Report"
