# Issue 18, point 5: the package as a user gets it. build.ps1 -Package (and -Test) writes out/packages/BertNer.<version>.nupkg;
# this publishes it to a local PSResourceGet repository, installs it into a fresh pwsh with its own HOME (an empty
# module path) and uses it there, installing the native runtime from the NuGet global packages folder (no download).
BeforeAll {
    . (Join-Path $PSScriptRoot 'FreshPwsh.ps1')
    $staged = Split-Path $env:BERTNER_MODULE
    $version = (Import-PowerShellDataFile $env:BERTNER_MODULE).ModuleVersion
    $script:nupkg = if ($env:BERTNER_PACKAGE) { $env:BERTNER_PACKAGE } else { Join-Path $env:BERTNER_REPO "out/packages/BertNer.$version.nupkg" }
    # Run on its own (not from build.ps1 -Test): make the package from the staged module when it is missing or older.
    if (-not (Test-Path $nupkg) -or (Get-Item $nupkg).LastWriteTimeUtc -lt (Get-Item (Join-Path $staged 'lib/BertNer.Engine.dll')).LastWriteTimeUtc) {
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File (Join-Path $env:BERTNER_REPO 'build.ps1') -NoBuild -Package | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "build.ps1 -NoBuild -Package failed (exit code $LASTEXITCODE)." }
    }
    $script:version = $version
    $script:userHome = Join-Path $TestDrive 'home'
    $script:repository = Join-Path $TestDrive 'repository'
    $emptyNuGet = Join-Path $TestDrive 'no-nuget-packages'
    New-Item -ItemType Directory $userHome, $repository, $emptyNuGet | Out-Null
    # A new user: own HOME, no XDG folders (with XDG_DATA_HOME set, Install-PSResource and pwsh disagree on where
    # modules live), the default module path. NUGET_PACKAGES points at an empty folder, so nothing can take libtorch
    # from this machine's NuGet cache behind the test's back.
    $script:userEnvironment = @{
        HOME = $userHome; XDG_DATA_HOME = $null; XDG_CACHE_HOME = $null; XDG_CONFIG_HOME = $null; PSModulePath = $null
        NUGET_PACKAGES = $emptyNuGet; BERTNER_MODULE = $null
    }
    $script:installedBase = Join-Path $userHome ".local/share/powershell/Modules/BertNer/$version"
    $script:conll = Join-Path $TestDrive 'toy.txt'
    Set-Content $conll -Value 'Zoe B-PER', 'visited O', 'Paris B-LOC', '. O', '', 'John B-PER', 'Smith I-PER', 'left O', '. O'
}

Describe 'The BertNer package' {
    It 'is a small nupkg with the manifest, the cmdlets, lib/ and the help, and no native library' {
        $bytes = (Get-Item $nupkg).Length
        $bytes | Should -BeLessThan 15MB
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $entries = @($zip.Entries.FullName)
            $nuspec = [xml][IO.StreamReader]::new($zip.GetEntry('BertNer.nuspec').Open()).ReadToEnd()
        } finally { $zip.Dispose() }
        foreach ($expected in 'BertNer.psd1', 'license.txt', 'BertNer.Loader.dll', 'BertNer.PowerShell.dll', 'BertNer.Format.ps1xml',
            'en-US/BertNer.PowerShell.dll-Help.xml', 'en-US/about_BertNer.help.txt', 'lib/BertNer.Engine.dll', 'lib/TorchSharp.dll',
            'lib/TorchSharp.PyBridge.dll', 'lib/Razorvine.Pickle.dll', 'lib/YamlDotNet.dll', 'lib/Microsoft.ML.Tokenizers.dll',
            'lib/Microsoft.ML.OnnxRuntime.dll', 'lib/OnnxSharp.dll', 'lib/Google.Protobuf.dll') {
            $entries | Should -Contain $expected
        }
        $entries | Where-Object { $_ -cmatch '\.(so|dylib)(\.\d+)*$|(^|/)(LibTorchSharp|torch_cpu|torch|c10|libiomp5md|onnxruntime)\.dll$|SkiaSharp|SharpZipLib|TqdmSharp|deps\.json' } |
            Should -BeNullOrEmpty
        $entries | Where-Object { $_ -match '^lib/.*\.dll$' } | Should -Not -Contain 'lib/BertNer.PowerShell.dll'
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'BertNer'
        $meta.version | Should -Be $version
        $meta.description | Should -Not -BeNullOrEmpty
        $meta.releaseNotes | Should -Not -BeNullOrEmpty
        $tags = $meta.tags -split ' '
        foreach ($tag in 'PSModule', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS', 'NER') { $tags | Should -Contain $tag }
    }

    It 'publishes to a local repository and installs with Install-PSResource into an empty module path' {
        $script = @'
param([string] $Repository, [string] $Nupkg, [string] $Result)
$ErrorActionPreference = 'Stop'
$r = [ordered]@{ ModulePathBefore = @(Get-Module -ListAvailable BertNer).Count }
Register-PSResourceRepository -Name BertNerTest -Uri $Repository -Trusted
Publish-PSResource -NupkgPath $Nupkg -Repository BertNerTest
$r.RepositoryFiles = @(Get-ChildItem $Repository -File | ForEach-Object Name)
$watch = [Diagnostics.Stopwatch]::StartNew()
Install-PSResource -Name BertNer -Repository BertNerTest -Scope CurrentUser
$r.InstallSeconds = $watch.Elapsed.TotalSeconds
$installed = Get-InstalledPSResource -Name BertNer
$r.Version = $installed.Version.ToString()
$r.Repository = $installed.Repository
$r.Available = @(Get-Module -ListAvailable BertNer | ForEach-Object ModuleBase)
$r | ConvertTo-Json -Depth 3 | Set-Content $Result
'@
        $result = Join-Path $TestDrive 'install.json'
        $run = Invoke-FreshPwsh -Script $script -Environment $userEnvironment -Parameters @{ Repository = $repository; Nupkg = $nupkg; Result = $result }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json
        $r.ModulePathBefore | Should -Be 0
        $r.RepositoryFiles | Should -Be "BertNer.$version.nupkg"
        $r.Version | Should -Be $version
        $r.Repository | Should -Be 'BertNerTest'
        $r.Available | Should -Be $installedBase
        Write-Host "    Install-PSResource took $([Math]::Round($r.InstallSeconds, 1)) s"
    }

    It 'imports by name in a fresh pwsh: commands, help, format views and YAML work, and no native library loads' {
        $script = @'
param([string] $Conll, [string] $Work, [string] $Result)
$ErrorActionPreference = 'Stop'
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module BertNer
$r = [ordered]@{ ImportMilliseconds = $watch.ElapsedMilliseconds }
$m = Get-Module BertNer
$r.ModuleBase = $m.ModuleBase
$r.Cmdlets = @($m.ExportedCmdlets.Keys | Sort-Object)
$r.Aliases = @($m.ExportedAliases.Keys)
$r.Synopsis = (Get-Help Get-NerEntity).Synopsis
$sentences = Import-Conll $Conll
$r.Sentences = $sentences.Count
$r.TableView = $sentences | Out-String -Width 120
$r.ListView = $sentences | Measure-Conll | Out-String -Width 120
$yaml = New-BertNerTrainingConfig -Path (Join-Path $Work 'train.yaml') -TrainPath $Conll
$r.Yaml = (Get-Content $yaml.FullName -Raw) -match '(?m)^train_path: '
$r.EngineContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([BertNer.Data.NerSentence].Assembly).Name
$r.EngineLocation = [BertNer.Data.NerSentence].Assembly.Location
$r.Natives = @(if ($IsLinux) { Get-Content /proc/self/maps | Where-Object { $_ -match 'libtorch|LibTorchSharp|onnxruntime' } })
$r | ConvertTo-Json -Depth 3 | Set-Content $Result
'@
        $work = Join-Path $TestDrive 'work'
        New-Item -ItemType Directory $work | Out-Null
        $result = Join-Path $TestDrive 'import.json'
        $run = Invoke-FreshPwsh -Script $script -Environment $userEnvironment -Parameters @{ Conll = $conll; Work = $work; Result = $result }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $r = Get-Content $result -Raw | ConvertFrom-Json
        $r.ModuleBase | Should -Be $installedBase
        $r.Cmdlets | Should -Be ((Import-PowerShellDataFile $env:BERTNER_MODULE).CmdletsToExport | Sort-Object)
        $r.Aliases | Should -Be 'Get-NerEntities'
        $r.Synopsis | Should -Match 'entit'
        $r.Sentences | Should -Be 2
        $r.TableView | Should -Match 'Document\s+Sentence\s+Tokens\s+Labels'
        $r.TableView | Should -Match 'Zoe visited Paris \.\s+B-PER O B-LOC O'
        $r.ListView | Should -Match 'Entities\s+: LOC 1, PER 2 \(total 3\)'
        $r.Yaml | Should -BeTrue
        $r.EngineContext | Should -Be 'BertNer'
        $r.EngineLocation | Should -Be (Join-Path $installedBase 'lib/BertNer.Engine.dll')
        @($r.Natives).Count | Should -Be 0
        Write-Host "    Import-Module BertNer (installed copy, first import in a new pwsh): $($r.ImportMilliseconds) ms"
        # Nothing was written into the installed module: no libtorch copied beside TorchSharp.dll (TorchSharp's fallback).
        Get-ChildItem $installedBase -Recurse -File | Where-Object { $_.Name -match '\.(so|dylib)(\.\d+)*$' } | Should -BeNullOrEmpty
    }

    Context 'with the native runtime (Install-BertNerRuntime)' {
        BeforeAll {
            $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
            $script:globalPackages = $packages
        }

        It 'installs libtorch on first use, with a progress bar, when a command needs it and none is there' {
            # The tiny model is made here (with the build's libtorch); the fresh pwsh has no runtime at all: its own
            # empty runtime folder, the global packages folder as the install source, no Install-BertNerRuntime.
            Import-Module $env:BERTNER_MODULE -Force
            . (Join-Path $PSScriptRoot 'TinyModel.ps1')
            $tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'first-use-tiny')
            $runtimes = Join-Path $TestDrive 'first-use-runtimes'
            $result = Join-Path $TestDrive 'first-use.json'
            $environment = $userEnvironment.Clone()
            $environment.BERTNER_RUNTIME_PATH = $runtimes
            $environment.BERTNER_RUNTIME_SOURCE = $globalPackages
            $run = Invoke-FreshPwsh -Environment $environment -Parameters @{ Model = $tiny; Result = $result } -Script @'
param([string] $Model, [string] $Result)
$ErrorActionPreference = 'Stop'
# A runspace of its own, so the progress records can be read back from its Progress stream as a host receives them.
$ps = [powershell]::Create()
[void]$ps.AddScript("Import-Module BertNer; Get-NerEntities -Text 'John Smith visited Paris.' -Model '$Model'")
$watch = [Diagnostics.Stopwatch]::StartNew()
$entities = $ps.Invoke()
$progress = @($ps.Streams.Progress)
[ordered]@{
    Seconds = $watch.Elapsed.TotalSeconds
    Errors = @($ps.Streams.Error | ForEach-Object { $_.ToString() })
    Entities = @($entities).Count
    Activities = @($progress | ForEach-Object Activity | Select-Object -Unique)
    Statuses = @($progress | ForEach-Object StatusDescription)
    Completed = @($progress | Where-Object RecordType -eq 'Completed' | ForEach-Object Activity)
} | ConvertTo-Json -Depth 3 | Set-Content $Result
'@
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $r = Get-Content $result -Raw | ConvertFrom-Json
            $r.Errors | Should -BeNullOrEmpty
            $activity = '^Installing the native runtime libtorch-[\d.]+-cpu-'
            @($r.Activities) -match $activity | Should -HaveCount 1
            @($r.Statuses) -match '^Unpacking libtorch-cpu-' | Should -Not -BeNullOrEmpty
            @($r.Completed) -match $activity | Should -HaveCount 1
            @(Get-ChildItem $runtimes -Directory | ForEach-Object Name) -match '^libtorch-[\d.]+-cpu-' | Should -HaveCount 1
            Write-Host ("    first Get-NerEntities with the install: {0:F1} s, {1} progress records" -f $r.Seconds, $r.Statuses.Count)
        }

        It 'installs libtorch and ONNX Runtime from the NuGet global packages folder (no download)' {
            $run = Invoke-FreshPwsh -Environment $userEnvironment -Parameters @{ Source = $globalPackages } -Script @'
param([string] $Source)
$ErrorActionPreference = 'Stop'
Import-Module BertNer
$watch = [Diagnostics.Stopwatch]::StartNew()
Install-BertNerRuntime -Runtime Torch, Onnx -Source $Source | Out-Null
"seconds=$($watch.Elapsed.TotalSeconds)"
Get-BertNerRuntime | Out-String
'@
            $run.ExitCode | Should -Be 0 -Because $run.Text
            Write-Host "    $($run.Output)"
        }

        It 'trains 20 steps and tags a sentence with Get-NerEntities' {
            $work = Join-Path $TestDrive 'train'
            New-Item -ItemType Directory $work | Out-Null
            $run = Invoke-FreshPwsh -Environment $userEnvironment -Parameters @{ Work = $work; Helpers = (Join-Path $PSScriptRoot 'TinyModel.ps1') } -Script @'
param([string] $Work, [string] $Helpers)
$ErrorActionPreference = 'Stop'
Import-Module BertNer
. $Helpers
$tiny = New-TinyBertFolder -Path (Join-Path $Work 'tiny')
$train = New-ToyConll -Path (Join-Path $Work 'train.txt') -Count 96
$run = Import-Conll $train | Start-BertNerTraining -Model $tiny -OutputPath (Join-Path $Work 'run') -Epochs 2 -MaxSteps 20 -LearningRate 0.005 -Device Cpu
"steps=$($run.Steps)"
$e = Get-NerEntities -Text 'John Smith visited Paris.' -Model $run.BestModelPath
"entities=$(@($e).Count)"
'@
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.Output | Should -Match 'steps=20'
            $run.Output | Should -Match 'entities=\d+'
            Get-ChildItem $installedBase -Recurse -File | Where-Object { $_.Name -match '\.(so|dylib)(\.\d+)*$' } | Should -BeNullOrEmpty
        }
    }
}
