<#
.SYNOPSIS
    The main job behind the README's first command: import the module and show the pretrained model.
#>
param([string] $SharedPath = (Join-Path $PSScriptRoot '../../shared'))
$ErrorActionPreference = 'Stop'
Import-Module $env:BERTNER_MODULE
$model = Join-Path $SharedPath 'models/minilm-l6-h384-uncased'
if (-not (Test-Path $model)) { throw "No pretrained model at '$model'. Put the shared assets beside the repo (../shared)." }
Import-BertNerModel -Path $model -Device Cpu | Format-List
