# Save-BertNerPretrainedModel against a loopback hub served from PowerShell (tests/Pester/LoopbackHub.ps1).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    $script:importLine = "Import-Module '$env:BERTNER_MODULE'"
    if (-not (Get-Command Save-BertNerPretrainedModel -ErrorAction Ignore)) {
        # Until the manifest lists the cmdlet in CmdletsToExport, import the module's assembly itself (which exports
        # every cmdlet). It must replace the manifest's module: PowerShell would reuse that one, with its export list.
        $dll = Join-Path (Split-Path $env:BERTNER_MODULE) 'BertNer.PowerShell.dll'
        Remove-Module BertNer
        Import-Module $dll
        $script:importLine = "Import-Module '$dll'"
    }
    . (Join-Path $PSScriptRoot 'LoopbackHub.ps1')

    # Nothing from the machine's own Hugging Face setup may leak in (a real token, cache or offline flag).
    $script:savedEnv = @{}
    foreach ($name in 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HOME', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HUB_OFFLINE', 'HF_ENDPOINT') {
        $savedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:HF_HOME = Join-Path $TestDrive 'hf-home'
    $env:HF_HUB_CACHE = Join-Path $TestDrive 'hub'

    $script:files = New-TinyModelFiles (Join-Path $TestDrive 'model')
    $script:commit = New-CommitHash
    $repos = @{
        'org/tiny'  = @{ Commit = $commit; Files = $files }
        'org/fresh' = @{ Commit = (New-CommitHash); Files = $files }
        'org/slow'  = @{ Commit = (New-CommitHash); Files = $files }
        'org/gated' = @{ Commit = (New-CommitHash); Files = $files; Gated = $true }
    }
    $script:hub = Start-LoopbackHub -Repos $repos
    $script:endpoint = $hub.Endpoint

    function script:NewRequests([int] $Since) { @($hub.State.Requests.ToArray() | Select-Object -Skip $Since) }
}

AfterAll {
    if ($hub) { Stop-LoopbackHub $hub }
    foreach ($name in $savedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnv[$name]) }
    Remove-Module BertNer.PowerShell -ErrorAction Ignore
}

Describe 'Save-BertNerPretrainedModel' {
    It 'downloads a model into the shared cache and says where it is' {
        $r = Save-BertNerPretrainedModel -Name org/tiny -Endpoint $endpoint
        $r.Name | Should -Be 'org/tiny'
        $r.Revision | Should -Be 'main'
        $r.Commit | Should -Be $commit
        $r.Path | Should -Be (Join-Path $env:HF_HUB_CACHE "models--org--tiny/snapshots/$commit")
        $r.Files | Should -Be @('config.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'model.safetensors')
        $r.Bytes | Should -Be ($files.Values | Measure-Object -Property Length -Sum).Sum
        (Get-Item (Join-Path $r.Path 'model.safetensors')).LinkTarget | Should -Be "../../blobs/$(Get-Sha256Hex $files['model.safetensors'])"
        Get-Content (Join-Path $env:HF_HUB_CACHE 'models--org--tiny/refs/main') -Raw | Should -Be $commit

        $m = Import-BertNerModel -Path $r.Path -Device Cpu
        $m.Labels | Should -Be @('O', 'B-PER', 'I-PER')
    }

    It 'asks only for the commit on a second call and downloads nothing' {
        $since = $hub.State.Requests.Count
        $r = Save-BertNerPretrainedModel org/tiny -Endpoint $endpoint
        $r.DownloadedBytes | Should -Be 0
        $new = NewRequests $since
        $new.Count | Should -Be 1
        $new[0].Method | Should -Be 'HEAD'
        $new[0].Path | Should -Be '/org/tiny/resolve/main/config.json'
    }

    It 'works offline from the cache without a single request' {
        $since = $hub.State.Requests.Count
        (Save-BertNerPretrainedModel org/tiny -Offline -Endpoint $endpoint).Commit | Should -Be $commit
        $env:HF_HUB_OFFLINE = '1'
        try { (Save-BertNerPretrainedModel org/tiny -Endpoint $endpoint).Commit | Should -Be $commit }
        finally { Remove-Item Env:HF_HUB_OFFLINE }
        (NewRequests $since).Count | Should -Be 0
    }

    It 'says with -WhatIf what it would download from where into which folder, and asks the hub nothing' {
        $since = $hub.State.Requests.Count
        # What-if lines go to the host, so they are read from a child pwsh's output.
        $pwsh = if ($env:BERTNER_PWSH) { $env:BERTNER_PWSH } else { (Get-Command pwsh -CommandType Application).Source }
        $out = & $pwsh -NoProfile -NonInteractive -Command "$importLine; Save-BertNerPretrainedModel org/fresh, org/tiny -Endpoint '$endpoint' -WhatIf" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $shown = ($out -join '') -replace '\s+', ' '
        $folder = Join-Path $env:HF_HUB_CACHE 'models--org--fresh'
        $shown | Should -BeLike "*What if: Performing the operation ""Download config.json, vocab.txt, the tokenizer settings and the weights (model.safetensors, else pytorch_model.bin) of org/fresh@main from $endpoint/org/fresh, except files already cached"" on target ""$folder (org/fresh@main)"".*"
        $shown | Should -BeLike "*on target ""$(Join-Path $env:HF_HUB_CACHE 'models--org--tiny') (org/tiny@main)""*"
        (NewRequests $since).Count | Should -Be 0
        Test-Path $folder | Should -BeFalse
        $offline = & $pwsh -NoProfile -NonInteractive -Command "$importLine; Save-BertNerPretrainedModel org/fresh -Offline -WhatIf" 2>&1
        (($offline -join '') -replace '\s+', ' ') | Should -BeLike '*Check that the Hugging Face cache holds every file of org/fresh@main (offline: nothing is downloaded)*'
    }

    It 'shows a model imported by hub id under its id, with the snapshot folder as its path' {
        $env:HF_ENDPOINT = $endpoint
        try { $m = Import-BertNerModel org/tiny -Device Cpu }
        finally { Remove-Item Env:HF_ENDPOINT }
        $snapshot = Join-Path $env:HF_HUB_CACHE "models--org--tiny/snapshots/$commit"
        $m.Name | Should -Be 'org/tiny'
        $m.SourcePath | Should -Be $snapshot
        $m.Path | Should -Be $snapshot
        $table = $m | Out-String -Width 200
        $table | Should -Match '(?m)^org/tiny '
        $table | Should -Not -Match $commit
        $list = $m | Format-List | Out-String -Width 400
        $list | Should -Match '(?m)^Name\s+: org/tiny\s*$'
        $list | Should -Match ('(?m)^Path\s+: {0}\s*$' -f [regex]::Escape($snapshot))
        ($m | Select-Object Name, Path | Out-String -Width 400) | Should -Match ([regex]::Escape($snapshot))
    }

    It 'fails offline with an error naming the model, the revision and what to do' {
        $err = $null
        Save-BertNerPretrainedModel org/fresh@v2 -Offline -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'org/fresh@v2'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'BertNer.ObjectNotFound*'
        $err[0].Exception.Message | Should -Match "'org/fresh@v2' is not in the Hugging Face cache"
        $err[0].Exception.Message | Should -Match 'no refs/v2'
        $err[0].Exception.Message | Should -Match 'offline mode'
    }

    It 'takes names from the pipeline, and a bad name does not stop the others' {
        $err = $null
        $out = 'org/tiny', 'org/../escape', "org/tiny@$commit" | Save-BertNerPretrainedModel -Endpoint $endpoint -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Count | Should -Be 2
        $out[1].Revision | Should -Be $commit
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match "'org/../escape' is not a valid Hugging Face model id"
        Test-Path (Join-Path $TestDrive 'escape') | Should -BeFalse
    }

    It 'sends HF_TOKEN for a gated model and never shows it' {
        $token = 'hf_pester_SECRET_7f3a9c'
        $env:HF_TOKEN = $token
        try {
            $since = $hub.State.Requests.Count
            $err = $null; $warn = $null
            $out = Save-BertNerPretrainedModel org/gated -Endpoint $endpoint -Verbose -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn 4>&1
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err[0].Exception.Message | Should -Match "'org/gated' is a gated model"
            $err[0].Exception.Message | Should -Match 'The token from HF_TOKEN was sent'
            $err[0].Exception.Message | Should -Match 'set HF_TOKEN'
            (NewRequests $since)[0].Authorization | Should -Be "Bearer $token"

            $hub.State.Token = $token
            $ok = Save-BertNerPretrainedModel org/gated -Endpoint $endpoint -Verbose 4>&1
            ($ok | Where-Object { $_ -is [BertNer.Hub.HubSnapshot] }).Name | Should -Be 'org/gated'
            $cdn = NewRequests $since | Where-Object Server -EQ 'cdn'
            $cdn | Should -Not -BeNullOrEmpty
            $cdn | Where-Object Authorization | Should -BeNullOrEmpty

            $shown = ($out, $ok, $warn, $err | Out-String) + ($err | ForEach-Object { $_.Exception.ToString() } | Out-String)
            $shown | Should -Not -Match $token
            Get-ChildItem $env:HF_HUB_CACHE -Recurse -File -Force | Select-String -SimpleMatch $token | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:HF_TOKEN
            $hub.State.Token = $null
        }
    }

    It 'shows download progress with Write-Progress' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("$importLine; Save-BertNerPretrainedModel org/fresh -Endpoint '$endpoint'")
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $out.Count | Should -Be 1
            $records = @($ps.Streams.Progress)
            $records.Count | Should -BeGreaterThan 5
            $records | ForEach-Object { $_.Activity | Should -Be 'Downloading org/fresh@main' }
            $weights = $records | Where-Object StatusDescription -Like 'model.safetensors:*(done)'
            $weights | Should -Not -BeNullOrEmpty
            $weights[-1].PercentComplete | Should -Be 100
            $weights[-1].StatusDescription | Should -Match ' kB of .* kB'
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It 'stops promptly when the pipeline is stopped (Ctrl+C) during a download' {
        $hub.State.Release = $false
        $hub.State.Stall = $true
        $ps = [powershell]::Create()
        try {
            $since = $hub.State.Requests.Count
            $null = $ps.AddScript("$importLine; Save-BertNerPretrainedModel org/slow -Endpoint '$endpoint'")
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ((NewRequests $since).Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            (NewRequests $since).Count | Should -BeGreaterThan 0
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $handle.IsCompleted | Should -BeTrue
        }
        finally {
            $hub.State.Stall = $false
            $hub.State.Release = $true
            $ps.Dispose()
        }
    }
}
