# Runs a script in a new pwsh process: a session with none of the test run's assemblies loaded, as a user starts one.
# -Environment sets variables for that process only; a $null value removes one (e.g. XDG_DATA_HOME).
function Invoke-FreshPwsh {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Parameters = @{},
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 600
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "bertner-fresh-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -LiteralPath $file -Value $Script
    try {
        $psi = [Diagnostics.ProcessStartInfo]::new($env:BERTNER_PWSH)
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        foreach ($name in $Parameters.Keys) { $psi.ArgumentList.Add("-$name"); $psi.ArgumentList.Add([string]$Parameters[$name]) }
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { [void]$psi.Environment.Remove($name) } else { $psi.Environment[$name] = [string]$Environment[$name] }
        }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            $p.Kill($true)
            throw "pwsh did not finish within $TimeoutSeconds s. Output so far: $($stdout.Result) $($stderr.Result)"
        }
        $p.WaitForExit()
        [pscustomobject]@{
            ExitCode = $p.ExitCode
            Output   = $stdout.Result
            Error    = $stderr.Result
            Text     = "exit code $($p.ExitCode)`n$($stdout.Result)`n$($stderr.Result)"
        }
    } finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}
