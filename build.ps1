#Requires -Version 7.4
<#
.SYNOPSIS
    Builds BertNer, stages an importable module in out/BertNer, and optionally runs the tests or the demo.
.EXAMPLE
    ./build.ps1 -Test        # build, stage, run xunit + Pester, print "N passed, N failed, N skipped"
.EXAMPLE
    ./build.ps1 -Demo        # build, stage, import the module and run the main job on ../shared
.EXAMPLE
    ./build.ps1 -Package     # build, stage, and write out/packages/BertNer.<version>.nupkg (no native libraries)
.EXAMPLE
    ./build.ps1 -Backend CudaLinux   # stage with TorchSharp-cuda-linux (needs that package to be reachable)
#>
[CmdletBinding()]
param(
    [ValidateSet('Release', 'Debug')] [string] $Configuration = 'Release',
    # Which TorchSharp package supplies libtorch. The CUDA ones are several GB and need their NuGet packages to be reachable.
    [ValidateSet('Cpu', 'CudaLinux', 'CudaWindows')] [string] $Backend = 'Cpu',
    [switch] $Test,
    [switch] $Demo,
    # Write out/packages/BertNer.<version>.nupkg for PSResourceGet from the staged module, without native libraries
    # (-Test does this too: a test installs the package as a user would).
    [switch] $Package,
    # Run the performance benchmark and rewrite its block in docs/performance.md (not part of -Test).
    [switch] $Benchmark,
    # With -Benchmark: also the 2,000-step memory-flatness run (several minutes more).
    [switch] $Long,
    # Skip the build and staging (reuse out/BertNer), e.g. to re-run tests.
    [switch] $NoBuild
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'BertNer'
$packageDir = Join-Path $out 'packages'
# What stays in the module's root (PowerShell's default load context); everything else goes to lib/, which BertNer's
# own assembly load context serves (docs/design.md, "The module's own load context").
$rootFiles = @('BertNer.PowerShell.dll', 'BertNer.PowerShell.pdb', 'BertNer.Loader.dll', 'BertNer.Loader.pdb')
# Published but never loaded by BertNer (issue 18.4, checked by reading each assembly's references and the process's
# loaded libraries after training and tagging): TorchSharp's tensorboard images (SkiaSharp) and dataset downloads
# (SharpZipLib), PyBridge's checkpoint progress bar (TqdmSharp), libtorch's Python binding and test or mobile
# backends, PyTorch's shared-memory manager for Python workers, and the deps.json PowerShell does not read.
$neverLoaded = @(
    'SkiaSharp.dll', 'libSkiaSharp.dll', 'libSkiaSharp.dylib', 'ICSharpCode.SharpZipLib.dll', 'TqdmSharp.dll',
    'libtorch_python.so', 'libtorch_python.dylib', 'libtorchbind_test.so', 'libjitbackend_test.so', 'libbackend_with_compiler.so',
    'libaoti_custom_ops.so', 'libnnapi_backend.so', 'libshm.so', 'libshm.dylib', 'BertNer.PowerShell.deps.json'
)
# The pwsh to start child processes with (build.sh sets it; a dotnet-tool pwsh runs inside 'dotnet').
$pwshExe = if ($env:BERTNER_PWSH) { $env:BERTNER_PWSH } elseif (Test-Path (Join-Path $PSHOME 'pwsh')) { Join-Path $PSHOME 'pwsh' } else { (Get-Command pwsh -ErrorAction Stop).Source }
$env:BERTNER_PWSH = $pwshExe
. (Join-Path $root 'src/Build/ElfVersionPatch.ps1')

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-Rid {
    switch ($Backend) {
        'CudaLinux' { return 'linux-x64' }
        'CudaWindows' { return 'win-x64' }
    }
    $arch = [Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    if ($IsWindows) { return "win-$arch" }
    if ($IsMacOS) { return "osx-$arch" }
    return "linux-$arch"
}

function Build-Module {
    $rid = Get-Rid
    Write-Host "== Building ($Configuration, backend $Backend, $rid)"
    Invoke-Native 'dotnet build' { dotnet build (Join-Path $root 'BertNer.slnx') -c $Configuration -p:TorchBackend=$Backend --nologo -v quiet }
    Write-Host "== Staging module in $moduleDir"
    # publish with a RID lays the libtorch and ONNX Runtime natives flat beside TorchSharp.dll, where a developer
    # build keeps them (BertNer.Runtime.NativeRuntime finds them there).
    $publishDir = Join-Path $out "publish/$rid"
    Invoke-Native 'dotnet publish' {
        dotnet publish (Join-Path $root 'src/BertNer.PowerShell') -c $Configuration -r $rid --self-contained false `
            -p:TorchBackend=$Backend -o $publishDir --nologo -v quiet
    }
    $files = @{}
    foreach ($f in Get-ChildItem $publishDir -File -Recurse) {
        $relative = [IO.Path]::GetRelativePath($publishDir, $f.FullName)
        if ($f.Name -in $neverLoaded) { continue }
        $files[$(if ($relative -in $rootFiles) { $relative } else { Join-Path 'lib' $relative })] = $f.FullName
    }
    $files['BertNer.psd1'] = Join-Path $root 'BertNer.psd1'
    $files['license.txt'] = Join-Path $root 'LICENSE'   # the name the PowerShell Gallery looks for in a module's root
    foreach ($f in Get-ChildItem (Join-Path $root 'module') -File -Recurse) {
        $files[[IO.Path]::GetRelativePath((Join-Path $root 'module'), $f.FullName)] = $f.FullName
    }
    Sync-Folder -Destination $moduleDir -Files $files -Keep 'en-US/BertNer.PowerShell.dll-Help.xml'
    Export-ModuleHelp
    # TorchSharp 0.107's native glue wants GLIBCXX_3.4.32; patch the staged copies only (never the NuGet cache).
    Repair-TorchSharpNative -Folder $moduleDir
    Repair-TorchSharpNative -Folder (Join-Path $root 'tests/BertNer.Engine.Tests/bin')
    Repair-TorchSharpNative -Folder (Join-Path $root 'tests/BertNer.Benchmarks/bin')
}

function Sync-Folder {
    <#
    Makes $Destination hold exactly $Files (relative path -> source file): copies what is missing or differs in size
    or time, and removes what is not listed (a layout from an older build). Unchanged files are not copied again,
    so a rebuild does not rewrite the 440 MB libtorch. $Destination is build output that build.ps1 owns.
    #>
    param([string] $Destination, [hashtable] $Files, [string[]] $Keep = @())
    New-Item -ItemType Directory $Destination -Force | Out-Null
    foreach ($relative in $Files.Keys) {
        $source = Get-Item -LiteralPath $Files[$relative]
        $target = Join-Path $Destination $relative
        $existing = Get-Item -LiteralPath $target -ErrorAction Ignore
        if ($existing -and $existing.Length -eq $source.Length -and $existing.LastWriteTimeUtc -eq $source.LastWriteTimeUtc) { continue }
        New-Item -ItemType Directory (Split-Path $target) -Force | Out-Null
        Copy-Item -LiteralPath $source.FullName -Destination $target -Force
        (Get-Item -LiteralPath $target).LastWriteTimeUtc = $source.LastWriteTimeUtc
    }
    $wanted = [Collections.Generic.HashSet[string]]::new([string[]]@(@($Files.Keys) + $Keep | ForEach-Object { [IO.Path]::GetFullPath((Join-Path $Destination $_)) }))
    Get-ChildItem $Destination -File -Recurse | Where-Object { -not $wanted.Contains($_.FullName) } | Remove-Item -Force
    Get-ChildItem $Destination -Directory -Recurse | Sort-Object { $_.FullName.Length } -Descending |
        Where-Object { -not (Get-ChildItem $_.FullName -Force) } | Remove-Item -Force
}

function Test-NativeLibrary([IO.FileInfo] $File) {
    # A file the .NET loader cannot read as an assembly: libtorch, LibTorchSharp, onnxruntime on any platform.
    if ($File.Extension -notin '.dll', '.exe') { return $File.Name -match '\.(so|dylib)(\.\d+)*$' }
    try { [Reflection.AssemblyName]::GetAssemblyName($File.FullName) | Out-Null; return $false } catch [BadImageFormatException] { return $true }
}

function New-ModulePackage {
    <#
    out/packages/BertNer.<version>.nupkg, made by PowerShell's own PSResourceGet from a clean copy of the staged
    module without native libraries: libtorch and ONNX Runtime are a separate download (issue 18; a linux-x64 libtorch
    alone is 461 MB), so the package stays small and serves every platform.
    #>
    if (-not (Get-Command Compress-PSResource -ErrorAction Ignore)) {
        throw "Packaging needs Compress-PSResource (PSResourceGet 1.1 or later, in PowerShell 7.5+). Run ./build.sh -Package, which uses the repository's PowerShell 7.6.9."
    }
    $version = (Import-PowerShellDataFile (Join-Path $moduleDir 'BertNer.psd1')).ModuleVersion
    $stage = Join-Path $out 'package-stage/BertNer'
    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    foreach ($f in Get-ChildItem $moduleDir -File -Recurse) {
        if (Test-NativeLibrary $f) { continue }
        $target = Join-Path $stage ([IO.Path]::GetRelativePath($moduleDir, $f.FullName))
        New-Item -ItemType Directory (Split-Path $target) -Force | Out-Null
        Copy-Item -LiteralPath $f.FullName -Destination $target
    }
    New-Item -ItemType Directory $packageDir -Force | Out-Null
    $nupkg = Join-Path $packageDir "BertNer.$version.nupkg"
    Remove-Item $nupkg -ErrorAction Ignore
    # From a folder of its own: PSResourceGet's NuGet settings code leaves a NuGet/NuGet.Config in the current folder.
    Push-Location (New-Item -ItemType Directory (Join-Path $root 'out/package-cwd') -Force)
    try { Compress-PSResource -Path $stage -DestinationPath $packageDir | Out-Null }
    finally { Pop-Location }
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg." }
    Remove-Item (Split-Path $stage) -Recurse -Force
    Write-Host ("== Package {0} ({1:N0} bytes)" -f $nupkg, (Get-Item $nupkg).Length)
    return $nupkg
}

function Export-ModuleHelp {
    # Get-Help reads en-US/BertNer.PowerShell.dll-Help.xml, made from docs/help/*.md with syntax and types taken from
    # the cmdlets themselves. In a child pwsh: importing the module loads its assemblies, which cannot be unloaded.
    $helpXml = Join-Path $moduleDir 'en-US/BertNer.PowerShell.dll-Help.xml'
    $script = "`$ErrorActionPreference = 'Stop'; . '$(Join-Path $root 'src/Build/MarkdownHelp.ps1')'; " +
        "Export-MamlHelp -MarkdownFolder '$(Join-Path $root 'docs/help')' -ModuleManifest '$(Join-Path $moduleDir 'BertNer.psd1')' -OutputPath '$helpXml' | Out-Null"
    Invoke-Native 'help generation' { & $pwshExe -NoProfile -NonInteractive -Command $script }
}

function Get-PesterModule {
    $version = '5.7.1'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        # Pester comes from NuGet (a restore), so the build needs no PowerShell Gallery access.
        Invoke-Native 'restore Pester' { dotnet restore (Join-Path $root 'tests/Pester/PesterRestore.csproj') --nologo -v quiet }
    }
    return $psd1
}

# The failed tests in a VSTest results file, each with the first line of its message.
function Get-FailedTestNames([string]$TrxPath) {
    $xml = [xml](Get-Content $TrxPath -Raw)
    foreach ($r in @($xml.TestRun.Results.UnitTestResult) | Where-Object { $_ -and $_.outcome -ne 'Passed' -and $_.outcome -ne 'NotExecuted' }) {
        $message = "$($r.Output.ErrorInfo.Message)".Trim() -split "`n" | Select-Object -First 1
        "$($r.testName) — $message"
    }
}

function Invoke-Tests {
    $failedNames = @()
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null

    # Tests compare runs bit for bit (resume, GC pressure, seed), and libtorch's thread count, which adapts to
    # the machine's load, changes the last bits: a fixed count keeps them independent of what else runs.
    if (-not $env:BERTNER_THREADS) { $env:BERTNER_THREADS = [string][Environment]::ProcessorCount }
    Write-Host '== xunit (engine)'
    dotnet test (Join-Path $root 'tests/BertNer.Engine.Tests') -c $Configuration --no-build --nologo `
        --logger 'trx;LogFileName=engine.trx' --logger 'console;verbosity=normal' --results-directory $results | Out-Host
    $xunitExit = $LASTEXITCODE
    $trx = Get-ChildItem $results -Filter '*.trx' -Recurse | Select-Object -First 1
    $x = @{ passed = 0; failed = 1; skipped = 0 }
    if ($trx) {
        $runSummary = ([xml](Get-Content $trx.FullName -Raw)).TestRun.ResultSummary
        $c = $runSummary.Counters
        $x = @{ passed = [int]$c.passed; failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; skipped = [int]$c.total - [int]$c.executed }  # VSTest counts xunit skips only as not executed
        # A crashed test host leaves a summary whose counters show only the tests run before the crash,
        # none failed: the run's outcome and dotnet's exit code are what say it did not finish.
        if ($x.failed -eq 0 -and ($runSummary.outcome -in 'Failed', 'Error', 'Aborted', 'Timeout' -or $xunitExit -ne 0)) {
            Write-Host "xunit did not finish (outcome $($runSummary.outcome), exit code $xunitExit; a crashed test host, see above): counted as one failure."
            $x.failed = 1
        }
        $failedNames = @(Get-FailedTestNames $trx.FullName)
    } else { Write-Host 'xunit wrote no results: counted as one failure.' }

    Write-Host '== Pester (cmdlets)'
    $pester = Get-PesterModule
    $summary = Join-Path $results 'pester.json'
    # A child pwsh: the module loads native libtorch, which cannot be unloaded from this process.
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$cfg = New-PesterConfiguration
`$cfg.Run.Path = '$(Join-Path $root 'tests/Pester')'
`$cfg.Run.PassThru = `$true
`$cfg.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$cfg
@{ passed = `$r.PassedCount; failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; skipped = `$r.SkippedCount
   names = @(`$r.Failed | ForEach-Object ExpandedPath) + @(`$r.FailedBlocks | ForEach-Object ExpandedPath) + @(`$r.FailedContainers | ForEach-Object Name) } |
    ConvertTo-Json | Set-Content '$summary'
"@
    $env:BERTNER_MODULE = Join-Path $moduleDir 'BertNer.psd1'
    $env:BERTNER_REPO = $root
    $env:BERTNER_PACKAGE = $nupkgPath
    & $pwshExe -NoProfile -NonInteractive -Command $script | Out-Host
    $p = @{ passed = 0; failed = 1; skipped = 0 }
    if (Test-Path $summary) { $p = Get-Content $summary -Raw | ConvertFrom-Json -AsHashtable } else { Write-Host 'Pester wrote no results: counted as one failure.' }

    $passed = $x.passed + $p.passed; $failed = $x.failed + $p.failed; $skipped = $x.skipped + $p.skipped
    Write-Host ''
    # CI shows the last lines of the output: name what failed there, not only thousands of lines above.
    foreach ($name in $failedNames) { Write-Host "xunit FAILED: $name" }
    foreach ($name in @($p.names)) { if ($name) { Write-Host "Pester FAILED: $name" } }
    Write-Host "xunit: $($x.passed) passed, $($x.failed) failed, $($x.skipped) skipped; Pester: $($p.passed) passed, $($p.failed) failed, $($p.skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    return $failed
}

function Invoke-Demo {
    $shared = Join-Path $root '../shared'
    $env:BERTNER_MODULE = Join-Path $moduleDir 'BertNer.psd1'
    $demo = Join-Path $root 'examples/quickstart.ps1'
    & $pwshExe -NoProfile -NonInteractive -File $demo -SharedPath $shared | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-Benchmark {
    $shared = Join-Path $root '../shared'
    if (-not (Test-Path (Join-Path $shared 'models/minilm-l6-h384-uncased'))) { throw "The benchmark needs ../shared (the MiniLM model and CoNLL-2003)." }
    $bench = Get-ChildItem (Join-Path $root "tests/BertNer.Benchmarks/bin/$Configuration") -Recurse -Filter 'BertNer.Benchmarks.dll' | Select-Object -First 1
    $benchArgs = @($bench.FullName, $shared, (Join-Path $root 'docs/performance.md'))
    if ($Long) { $benchArgs += '--long' }
    Invoke-Native 'benchmark' { dotnet @benchArgs }
}

if (-not $NoBuild) { Build-Module }
$nupkgPath = $null
if ($Package -or $Test) { $nupkgPath = New-ModulePackage }
$exit = 0
if ($Test) { $exit = Invoke-Tests }
if ($Demo) { Invoke-Demo }
if ($Benchmark) { Invoke-Benchmark }
exit ([Math]::Min([int]$exit, 1))
