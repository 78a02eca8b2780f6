# Install-/Get-/Save-BertNerRuntime as a user calls them. The install paths themselves (loopback feed, hashes, a killed
# install, the real libtorch from the global packages folder) are tested in xunit (tests/BertNer.Engine.Tests/Runtime).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    $script:saved = @{}
    foreach ($name in 'BERTNER_RUNTIME_PATH', 'BERTNER_RUNTIME_SOURCE') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $env:BERTNER_RUNTIME_PATH = Join-Path $TestDrive 'runtimes'   # nothing lands in the user's own runtime folder
}

AfterAll {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Get-BertNerRuntime' {
    It 'shows the libtorch of the developer build, next to TorchSharp.dll, with its size and platform' {
        $torch = @(Get-BertNerRuntime | Where-Object Runtime -eq 'libtorch' | Where-Object { $null -ne $_.Location })  # BesideAssembly is 0
        $torch.Count | Should -Be 1
        $torch[0].Location | Should -Be 'BesideAssembly'
        $torch[0].Path | Should -Be (Join-Path (Split-Path $env:BERTNER_MODULE) lib)
        $torch[0].Backend | Should -Be 'Cpu'
        $torch[0].Size | Should -BeGreaterThan 100MB
        $torch[0].Files | Should -Contain $(if ($IsWindows) { 'torch_cpu.dll' } elseif ($IsMacOS) { 'libtorch_cpu.dylib' } else { 'libtorch_cpu.so' })
        $torch[0].CudaUsable | Should -BeFalse
    }
}

Describe 'Install-BertNerRuntime' {
    It '-WhatIf says what it would install from where into which folder, and writes nothing' {
        # What-if lines go to the host: a child pwsh's host is its standard output.
        $text = (& $env:BERTNER_PWSH -NoProfile -NonInteractive -Command "`$env:BERTNER_RUNTIME_PATH = '$(Join-Path $TestDrive 'runtimes')'; Import-Module '$env:BERTNER_MODULE'; Install-BertNerRuntime -Source '$TestDrive' -WhatIf") -join "`n"
        $text | Should -Match 'libtorch-2\.10\.0-cpu-'
        $text | Should -Match ([regex]::Escape($TestDrive))
        Test-Path (Join-Path $TestDrive 'runtimes') | Should -BeFalse
    }

    It 'a folder without the packages gives one error naming the missing package, and installs nothing' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'no-packages')
        Install-BertNerRuntime -Source $empty.FullName -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Match '^BertNer\.ObjectNotFound'
        $err[0].Exception.Message | Should -Match 'torchsharp\.0\.107\.0\.nupkg'
        @(Get-ChildItem (Join-Path $TestDrive 'runtimes') -Directory -ErrorAction Ignore | Where-Object Name -NotLike '.*').Count | Should -Be 0
    }

    It 'a feed that is down gives the offline instructions' {
        $port = & { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p }
        Install-BertNerRuntime -Source "http://127.0.0.1:$port/v3/index.json" -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -Match "could not reach http://127\.0\.0\.1:$port"
        $err[0].Exception.Message | Should -Match 'To install it offline: .*Save-BertNerRuntime -Path <folder> -Platform'
    }

    It 'there is no CUDA build for macOS, and the error says which platforms have one' {
        Save-BertNerRuntime -Path (Join-Path $TestDrive 'save') -Platform osx-arm64 -Backend Cuda -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'only linux-x64 and win-x64'
    }
}
