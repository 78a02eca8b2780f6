# Makes one symbol-version requirement of an ELF shared library weak, so the dynamic loader accepts a
# system libstdc++ that lacks it. Used by build.ps1 on the *staged* copy of libLibTorchSharp.so only:
# TorchSharp 0.107 was built with GCC 13 and asks for GLIBCXX_3.4.32, whose only symbol
# (_ZSt21ios_base_library_initv) is a marker nothing relocates (docs/design.md, "libstdc++: GLIBCXX_3.4.32").

function Test-SystemHasSymbolVersion {
    <# True when the system libstdc++ already provides the version (then nothing needs patching). #>
    param([string] $Version = 'GLIBCXX_3.4.32')
    $candidates = @()
    try {
        $candidates = @(& /sbin/ldconfig -p 2>$null | Where-Object { $_ -match 'libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 \(libc6,AArch64' } |
            ForEach-Object { ($_ -split '=>')[-1].Trim() })
    } catch { }
    $candidates += '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/usr/lib64/libstdc++.so.6', '/usr/lib/aarch64-linux-gnu/libstdc++.so.6'
    $lib = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    if (-not $lib) { return $false }
    $bytes = [IO.File]::ReadAllBytes((Resolve-Path $lib).Path)
    $text = [Text.Encoding]::ASCII.GetString($bytes)
    return $text.Contains("$Version`0")
}

function Set-ElfVersionNeedWeak {
    <#
    Sets VER_FLG_WEAK (0x2) on the Vernaux entry named $Version in the .gnu.version_r section.
    Returns 'Patched', 'AlreadyWeak' or 'NotRequired' (the library does not ask for that version).
    Idempotent; writes through a temp file and rename so the library is never half-written.
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Version = 'GLIBCXX_3.4.32'
    )
    $full = (Resolve-Path -LiteralPath $Path).Path
    $b = [IO.File]::ReadAllBytes($full)
    if ($b.Length -lt 64 -or $b[0] -ne 0x7F -or $b[1] -ne 0x45 -or $b[2] -ne 0x4C -or $b[3] -ne 0x46) { throw "'$full' is not an ELF file." }
    if ($b[4] -ne 2 -or $b[5] -ne 1) { throw "'$full' is not a 64-bit little-endian ELF file; cannot patch it." }
    $shoff = [BitConverter]::ToUInt64($b, 0x28)
    $shentsize = [BitConverter]::ToUInt16($b, 0x3A)
    $shnum = [BitConverter]::ToUInt16($b, 0x3C)
    $SHT_GNU_verneed = 0x6ffffffe
    for ($i = 0; $i -lt $shnum; $i++) {
        $sh = [int]($shoff + [uint64]($i * $shentsize))
        if ([BitConverter]::ToUInt32($b, $sh + 4) -ne $SHT_GNU_verneed) { continue }
        $off = [BitConverter]::ToUInt64($b, $sh + 0x18)
        $link = [BitConverter]::ToUInt32($b, $sh + 0x28)
        $count = [BitConverter]::ToUInt32($b, $sh + 0x2C)
        $strsh = [int]($shoff + [uint64]($link * $shentsize))
        $stroff = [BitConverter]::ToUInt64($b, $strsh + 0x18)
        $vn = [int]$off
        for ($n = 0; $n -lt $count; $n++) {
            $cnt = [BitConverter]::ToUInt16($b, $vn + 2)
            $aux = $vn + [int][BitConverter]::ToUInt32($b, $vn + 8)
            for ($a = 0; $a -lt $cnt; $a++) {
                $nameOff = [int]$stroff + [int][BitConverter]::ToUInt32($b, $aux + 8)
                $end = [Array]::IndexOf($b, [byte]0, $nameOff)
                $name = [Text.Encoding]::ASCII.GetString($b, $nameOff, $end - $nameOff)
                if ($name -eq $Version) {
                    $flags = [BitConverter]::ToUInt16($b, $aux + 4)
                    if ($flags -band 2) { return 'AlreadyWeak' }
                    $flags = $flags -bor 2
                    $b[$aux + 4] = [byte]($flags -band 0xFF)
                    $b[$aux + 5] = [byte]($flags -shr 8)
                    $tmp = "$full.patch-tmp"
                    [IO.File]::WriteAllBytes($tmp, $b)
                    if (-not $IsWindows) { & chmod --reference=$full $tmp 2>$null }
                    Move-Item -LiteralPath $tmp -Destination $full -Force
                    return 'Patched'
                }
                $aux += [int][BitConverter]::ToUInt32($b, $aux + 12)
            }
            $vn += [int][BitConverter]::ToUInt32($b, $vn + 12)
        }
    }
    return 'NotRequired'
}

function Repair-TorchSharpNative {
    <# Patches every libLibTorchSharp.so under $Folder when this system needs it; reports what it did. #>
    param([Parameter(Mandatory)] [string] $Folder, [string] $Version = 'GLIBCXX_3.4.32')
    if (-not $IsLinux) { return }
    $libs = Get-ChildItem -LiteralPath $Folder -Recurse -Filter 'libLibTorchSharp.so' -File -ErrorAction SilentlyContinue
    if (-not $libs) { return }
    if (Test-SystemHasSymbolVersion -Version $Version) {
        Write-Host "  libstdc++ provides ${Version}: no TorchSharp patch needed"
        return
    }
    foreach ($lib in $libs) {
        $r = Set-ElfVersionNeedWeak -Path $lib.FullName -Version $Version
        Write-Host "  $($lib.FullName): ${Version} requirement $r"
    }
}
