#Requires -Version 7.4
<#
.SYNOPSIS
    Streams sentences through Get-NerEntities with the tiny random model and checks that memory stays flat.
.DESCRIPTION
    The sentences are generated inside the pipeline (none is held), tagged in Get-NerEntities' windows of
    8 batches, and the entities are counted as they pass. The process's resident memory and managed heap are
    sampled after the first tenth of the sentences and at the end; more than -MaxGrowthMB of growth fails
    (exit code 1). Run by the Pester suite with a smaller -Count; figures for docs/reliability.md come from
    the full 100,000.
.EXAMPLE
    ./build.sh; .tools/pwsh/pwsh -NoProfile -File tests/Load/Measure-NerEntityStream.ps1
#>
[CmdletBinding()]
param(
    [int] $Count = 100000,
    [int] $MaxGrowthMB = 48,
    [string] $Module = $(if ($env:BERTNER_MODULE) { $env:BERTNER_MODULE } else { Join-Path $PSScriptRoot '../../out/BertNer/BertNer.psd1' })
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
. (Join-Path $PSScriptRoot '../Pester/TinyModel.ps1')

$folder = Join-Path ([IO.Path]::GetTempPath()) "bertner-load-$([guid]::NewGuid().ToString('N'))"
try {
    $model = Import-BertNerModel (New-TinyBertFolder -Path (Join-Path $folder 'tiny')) -Device Cpu
    $people = 'John Smith', 'Angela Merkel', 'Zoe', 'zoe smith'
    $places = 'Paris', 'London', 'Berlin'
    $rng = [Random]::new(11)
    $warmUp = [Math]::Max(1, [int]($Count / 10))

    function Measure-Memory {
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $p = Get-Process -Id $PID
        [pscustomobject]@{ RssMB = $p.WorkingSet64 / 1MB; ManagedMB = [GC]::GetTotalMemory($true) / 1MB }
    }

    $script:atWarmUp = $null
    $script:sentences = 0
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $entities = 1..$Count | ForEach-Object {
        $script:sentences++
        if ($script:sentences -eq $warmUp + 1) { $script:atWarmUp = Measure-Memory }
        "$($people[$rng.Next(4)]) met $($people[$rng.Next(4)]) in $($places[$rng.Next(3)]) on day $_ ."
    } | Get-NerEntities -Model $model | Measure-Object | Select-Object -ExpandProperty Count
    $seconds = $clock.Elapsed.TotalSeconds
    $atEnd = Measure-Memory

    $growth = $atEnd.RssMB - $script:atWarmUp.RssMB
    $line = 'Get-NerEntities: {0:N0} sentences, {1:N0} entities in {2:F1} s ({3:F0} sentences/s); RSS {4:F1} MB after {5:N0} -> {6:F1} MB after {0:N0} ({7:+0.0;-0.0} MB); managed heap {8:F1} -> {9:F1} MB' -f `
        $Count, $entities, $seconds, ($Count / $seconds), $script:atWarmUp.RssMB, $warmUp, $atEnd.RssMB, $growth, $script:atWarmUp.ManagedMB, $atEnd.ManagedMB
    Write-Output $line
    if ($entities -le $Count) { Write-Error "Only $entities entities for $Count sentences." }
    if ($growth -gt $MaxGrowthMB) { Write-Error "Resident memory grew by $([Math]::Round($growth, 1)) MB (allowed: $MaxGrowthMB MB)." }
}
finally {
    if (Test-Path $folder) { Remove-Item $folder -Recurse -Force }
}
