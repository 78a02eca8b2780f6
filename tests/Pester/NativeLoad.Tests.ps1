# The GLIBCXX_3.4.32 fix (src/Build/ElfVersionPatch.ps1) and the error users get when libtorch cannot load.
BeforeDiscovery {
    . (Join-Path $env:BERTNER_REPO 'src/Build/ElfVersionPatch.ps1')
    $script:onLinux = $IsLinux
    $script:systemHasVersion = $IsLinux -and (Test-SystemHasSymbolVersion)
}

BeforeAll {
    . (Join-Path $env:BERTNER_REPO 'src/Build/ElfVersionPatch.ps1')
    $script:moduleDir = Split-Path $env:BERTNER_MODULE
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $script:original = Join-Path $packages 'torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so'
    $script:pwshExe = $env:BERTNER_PWSH
}

Describe 'ELF version patch' -Skip:(-not $onLinux) {
    It 'marks GLIBCXX_3.4.32 weak on a copy, changes one byte, and is idempotent' {
        $copy = Join-Path $TestDrive 'libLibTorchSharp.so'
        Copy-Item $original $copy
        Set-ElfVersionNeedWeak -Path $copy | Should -Be 'Patched'
        Set-ElfVersionNeedWeak -Path $copy | Should -Be 'AlreadyWeak'
        (Get-Item $copy).Length | Should -Be (Get-Item $original).Length
        # cmp -l prints one line per differing byte: offset, old value, new value (octal)
        $diff = @(& cmp -l $original $copy)
        $diff.Count | Should -Be 1
        $old, $new = ($diff[0].Trim() -split '\s+')[1..2] | ForEach-Object { [Convert]::ToInt32($_, 8) }
        $new | Should -Be ($old -bor 2)
    }

    It 'reports NotRequired for a version the library does not ask for' {
        $copy = Join-Path $TestDrive 'lib2.so'
        Copy-Item $original $copy
        Set-ElfVersionNeedWeak -Path $copy -Version 'GLIBCXX_9.9.9' | Should -Be 'NotRequired'
    }

    It 'leaves the NuGet cache untouched and patches the staged copy only when the system needs it' {
        Set-ElfVersionNeedWeak -Path (Join-Path $TestDrive 'probe.so' | ForEach-Object { Copy-Item $original $_; $_ }) | Should -Be 'Patched'
        $staged = Join-Path $moduleDir 'lib/libLibTorchSharp.so'
        $expected = if (Test-SystemHasSymbolVersion) { 'Patched', 'NotRequired' } else { 'AlreadyWeak' }
        $copy = Join-Path $TestDrive 'staged.so'; Copy-Item $staged $copy
        if (Test-SystemHasSymbolVersion) {
            # nothing was patched: the staged file equals the package's
            (Get-FileHash $staged).Hash | Should -Be (Get-FileHash $original).Hash
        } else {
            Set-ElfVersionNeedWeak -Path $copy | Should -Be 'AlreadyWeak'
        }
        $o = Join-Path $TestDrive 'orig-check.so'; Copy-Item $original $o
        Set-ElfVersionNeedWeak -Path $o | Should -Be 'Patched'   # the cache copy was never patched
    }

    It 'gives one clear error, not a TypeInitializationException, when libtorch cannot load' -Skip:$systemHasVersion {
        # A module folder whose libLibTorchSharp.so is the unpatched original: everything else is linked.
        $broken = Join-Path $TestDrive 'broken/BertNer'
        New-Item -ItemType Directory (Join-Path $broken 'lib') -Force | Out-Null
        Get-ChildItem $moduleDir -File -Recurse | Where-Object Name -ne 'libLibTorchSharp.so' | ForEach-Object {
            $link = Join-Path $broken ([IO.Path]::GetRelativePath($moduleDir, $_.FullName))
            New-Item -ItemType Directory (Split-Path $link) -Force | Out-Null
            New-Item -ItemType SymbolicLink -Path $link -Target $_.FullName | Out-Null
        }
        Copy-Item $original (Join-Path $broken 'lib/libLibTorchSharp.so')
        $model = Join-Path $TestDrive 'nomodel'
        New-Item -ItemType Directory $model | Out-Null
        $cmd = "Import-Module '$broken/BertNer.psd1'; try { Import-BertNerModel -Path '$model' -ErrorAction Stop } catch { `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $text = (& $pwshExe -NoProfile -NonInteractive -Command $cmd 2>&1) -join "`n"
        $text | Should -Match 'NotInstalled'
        $text | Should -Match 'GLIBCXX_3.4.32'
        $text | Should -Match 'build.ps1'
        $text | Should -Not -Match 'TypeInitializationException'
    }
}
