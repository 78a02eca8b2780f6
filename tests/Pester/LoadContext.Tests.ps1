# BertNer's own assembly load context (docs/design.md, "The module's own load context"): the engine and its
# dependencies load from lib/ beside another module's copies, type literals keep working through accelerators, and a
# session that loaded a different YamlDotNet first (or later) still trains from a YAML config. Each case runs in a
# fresh pwsh, since assemblies and accelerators cannot be taken back out of a process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'FreshPwsh.ps1')
    $script:module = $env:BERTNER_MODULE
    $script:lib = Join-Path (Split-Path $module) 'lib'

    # Another YamlDotNet than BertNer's 18.x, as PSRule (17.x) or platyPS (15.x) bring: restored from NuGet.
    $script:otherYamlVersion = '16.3.0'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $script:otherYaml = Join-Path $packages "yamldotnet/$otherYamlVersion/lib/net8.0/YamlDotNet.dll"
    if (-not (Test-Path $otherYaml)) {
        dotnet restore (Join-Path $PSScriptRoot 'OtherYamlDotNet/OtherYamlDotNet.csproj') --nologo -v quiet | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "Restoring YamlDotNet $otherYamlVersion from NuGet failed (exit code $LASTEXITCODE)." }
    }

    # Trains the tiny model for 4 steps from a YAML config and parses YAML with the other YamlDotNet, in the order given.
    $script:coexistScript = @'
param([string] $Module, [string] $OtherYaml, [string] $Work, [string] $Order, [string] $Result, [string] $Helpers)
$ErrorActionPreference = 'Stop'
function Read-WithOtherYaml {
    $stream = [YamlDotNet.RepresentationModel.YamlStream]::new()
    $stream.Load([IO.StringReader]::new("tool: other`nversion: 16"))
    ($stream.Documents[0].RootNode.Children.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ','
}
function Invoke-BertNerTraining {
    Import-Module $Module
    . $Helpers
    $tiny = New-TinyBertFolder -Path (Join-Path $Work 'tiny')
    $train = New-ToyConll -Path (Join-Path $Work 'train.txt') -Count 32
    $yaml = Join-Path $Work 'train.yaml'
    New-BertNerTrainingConfig -Path $yaml -Model $tiny -TrainPath $train -OutputPath (Join-Path $Work 'run') | Out-Null
    (Get-Content $yaml) -replace '^device: Auto', 'device: Cpu' -replace '^epochs: 3', 'epochs: 1' -replace '^batch_size: 8', 'batch_size: 4' | Set-Content $yaml
    Start-BertNerTraining -ConfigPath $yaml -MaxSteps 4
}
$r = [ordered]@{}
if ($Order -eq 'OtherFirst') {
    Add-Type -Path $OtherYaml
    $r.OtherBefore = Read-WithOtherYaml
    $run = Invoke-BertNerTraining
} else {
    $run = Invoke-BertNerTraining
    Add-Type -Path $OtherYaml
    $r.OtherBefore = Read-WithOtherYaml
}
$r.Steps = $run.Steps
$r.Epochs = $run.Config.Epochs
$r.OtherAfter = Read-WithOtherYaml
$r.YamlDotNet = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object {
        [ordered]@{ Version = $_.GetName().Version.ToString(); Context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name; Location = $_.Location }
    })
$r | ConvertTo-Json -Depth 4 | Set-Content $Result
'@
}

Describe 'Load context' {
    It 'loads the cmdlets in the default context, the engine and its dependencies in BertNer''s, and no native library at import' {
        $result = Join-Path $TestDrive 'contexts.json'
        $script = @'
param([string] $Module, [string] $Result)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$contexts = [ordered]@{}
foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies()) {
    $name = $a.GetName().Name
    if ($name -like 'BertNer*' -or $name -in 'TorchSharp', 'YamlDotNet', 'Microsoft.ML.Tokenizers', 'Microsoft.ML.OnnxRuntime', 'Google.Protobuf') {
        $contexts[$name] = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name
        $contexts["$name.Location"] = $a.Location
    }
}
$natives = @(if ($IsLinux) { Get-Content /proc/self/maps | Where-Object { $_ -match 'libtorch|LibTorchSharp|onnxruntime' } })
[ordered]@{ Contexts = $contexts; NativesAtImport = $natives } | ConvertTo-Json -Depth 4 | Set-Content $Result
'@
        $run = Invoke-FreshPwsh -Script $script -Parameters @{ Module = $module; Result = $result }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json -AsHashtable
        $r.Contexts['BertNer.PowerShell'] | Should -Be 'Default'
        $r.Contexts['BertNer.Loader'] | Should -Be 'Default'
        $r.Contexts['BertNer.Engine'] | Should -Be 'BertNer'
        $r.Contexts['BertNer.Engine.Location'] | Should -Be (Join-Path $lib 'BertNer.Engine.dll')
        $r.Contexts['TorchSharp'] | Should -Be 'BertNer'
        $r.Contexts['TorchSharp.Location'] | Should -Be (Join-Path $lib 'TorchSharp.dll')
        @($r.NativesAtImport).Count | Should -Be 0
    }

    It 'serves libtorch and ONNX Runtime from the files BertNer.Runtime.NativeRuntime names' -Skip:(-not $IsLinux) {
        $result = Join-Path $TestDrive 'natives.json'
        $script = @'
param([string] $Module, [string] $Result)
$ErrorActionPreference = 'Stop'
Import-Module $Module
[BertNer.Runtime.TorchRuntime]::EnsureLoaded()
$sum = [TorchSharp.torch]::ones(3).sum().item[float]()
$alc = [Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'BertNer'
$ort = $alc.LoadFromAssemblyName([Reflection.AssemblyName]::new('Microsoft.ML.OnnxRuntime')).GetType('Microsoft.ML.OnnxRuntime.OrtEnv')
$ortVersion = $ort.GetMethod('Instance').Invoke($null, @()).GetVersionString()
$loader = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BertNer.Loader' }
$context = $loader.GetType('BertNer.Loader.EngineLoadContext')
$instance = $context.GetProperty('Instance').GetValue($null)
$served = @($context.GetProperty('NativeLibraries').GetValue($instance))
$mapped = @(Get-Content /proc/self/maps | ForEach-Object { ($_ -split '\s+', 6)[5] } | Where-Object { $_ -match 'libtorch_cpu|libLibTorchSharp|libonnxruntime\.so' } | Sort-Object -Unique)
[ordered]@{ Sum = $sum; OrtVersion = $ortVersion; Served = $served; Mapped = $mapped } | ConvertTo-Json -Depth 4 | Set-Content $Result
'@
        $run = Invoke-FreshPwsh -Script $script -Parameters @{ Module = $module; Result = $result }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json -AsHashtable
        $r.Sum | Should -Be 3
        $r.OrtVersion | Should -Match '^\d+\.\d+'
        $expected = 'libtorch_cpu.so', 'libLibTorchSharp.so', 'libonnxruntime.so' | ForEach-Object { Join-Path $lib $_ }
        $r.Served | Sort-Object | Should -Be ($expected | Sort-Object)
        $r.Mapped | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'makes [BertNer.*] and [TorchSharp.torch] literals work, keeps others'' accelerators, and removes its own with the module' {
        $result = Join-Path $TestDrive 'accelerators.json'
        $script = @'
param([string] $Module, [string] $Result)
$ErrorActionPreference = 'Stop'
$table = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$table::Add('BertNer.Data.DatasetSummary', [string])   # someone else's accelerator by one of the engine's names
$r = [ordered]@{}
Import-Module $Module
$r.Sentence = [BertNer.Data.NerSentence]::new([string[]]('Zoe', 'visited', 'Paris'), [string[]]('B-PER', 'O', 'B-LOC')).Count
$r.SentenceContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([BertNer.Data.NerSentence].Assembly).Name
$r.ArrayType = [BertNer.Data.NerSentence[]].GetElementType().FullName
$r.Cast = ([BertNer.Inference.NerEntity]@{ Type = 'PER'; Text = 'Zoe'; Start = 0; End = 3; Input = 'Zoe' }).Type
$r.Torch = [TorchSharp.torch].Assembly.GetName().Name
$r.Foreign = $table::Get['BertNer.Data.DatasetSummary'].FullName
Import-Module $Module -Force
$r.AfterForce = $table::Get.ContainsKey('BertNer.Data.NerSentence') -and $table::Get.ContainsKey('TorchSharp.torch')
Remove-Module BertNer
$r.AfterRemove = @('BertNer.Data.NerSentence', 'BertNer.Inference.NerEntity', 'TorchSharp.torch' | Where-Object { $table::Get.ContainsKey($_) })
$r.ForeignAfterRemove = $table::Get['BertNer.Data.DatasetSummary'].FullName
Import-Module $Module
$r.AfterReimport = $table::Get.ContainsKey('BertNer.Data.NerSentence')
$r | ConvertTo-Json -Depth 4 | Set-Content $Result
'@
        $run = Invoke-FreshPwsh -Script $script -Parameters @{ Module = $module; Result = $result }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json -AsHashtable
        $r.Sentence | Should -Be 3
        $r.SentenceContext | Should -Be 'BertNer'
        $r.ArrayType | Should -Be 'BertNer.Data.NerSentence'
        $r.Cast | Should -Be 'PER'
        $r.Torch | Should -Be 'TorchSharp'
        $r.Foreign | Should -Be 'System.String'
        $r.AfterForce | Should -BeTrue
        @($r.AfterRemove).Count | Should -Be 0
        $r.ForeignAfterRemove | Should -Be 'System.String'
        $r.AfterReimport | Should -BeTrue
    }
}

Describe 'Another YamlDotNet in the same session' {
    It 'trains from a YAML config <Order> and both YamlDotNet versions keep working, each in its own context' -TestCases @(
        @{ Order = 'OtherFirst' }, @{ Order = 'BertNerFirst' }
    ) {
        $work = Join-Path $TestDrive $Order
        New-Item -ItemType Directory $work | Out-Null
        $result = Join-Path $work 'result.json'
        $run = Invoke-FreshPwsh -Script $coexistScript -Parameters @{
            Module = $module; OtherYaml = $otherYaml; Work = $work; Order = $Order; Result = $result; Helpers = (Join-Path $PSScriptRoot 'TinyModel.ps1')
        }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json -AsHashtable
        $r.OtherBefore | Should -Be 'tool=other,version=16'
        $r.OtherAfter | Should -Be 'tool=other,version=16'
        $r.Steps | Should -Be 4
        $r.Epochs | Should -Be 1
        $r.YamlDotNet.Count | Should -Be 2
        $ours = $r.YamlDotNet | Where-Object Context -eq 'BertNer'
        $theirs = $r.YamlDotNet | Where-Object Context -eq 'Default'
        $ours.Location | Should -Be (Join-Path $lib 'YamlDotNet.dll')
        $ours.Version | Should -Match '^18\.'
        $theirs.Location | Should -Be $otherYaml
        $theirs.Version | Should -Match '^16\.'
    }
}
