# Start-BertNerTraining, New-BertNerTrainingConfig, Measure-BertNerModel and Get-NerEntities as users run them.
BeforeDiscovery {
    $script:hasShared = Test-Path (Join-Path $env:BERTNER_REPO '../shared/models/minilm-l6-h384-uncased/config.json')
}

BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:shared = Join-Path $env:BERTNER_REPO '../shared'
}

Describe 'New-BertNerTrainingConfig' {
    It 'writes the recipe defaults with a comment per key, and refuses to overwrite without -Force' {
        $path = Join-Path $TestDrive 'train.yaml'
        $f = New-BertNerTrainingConfig -Path $path
        $f.FullName | Should -Be $path
        $text = Get-Content $path -Raw
        $text | Should -Match '(?m)^model: bert-base-cased$'
        $text | Should -Match '(?m)^learning_rate: 2\.0e-05$'
        $text | Should -Match '(?m)^batch_size: 8$'
        $text | Should -Match '(?m)^seed: 42$'
        ([regex]::Matches($text, '(?m)^# ')).Count | Should -BeGreaterThan 20
        { New-BertNerTrainingConfig -Path $path -ErrorAction Stop } | Should -Throw -ExpectedMessage '*already exists*-Force*'
        New-BertNerTrainingConfig -Path $path -Force | Should -Not -BeNullOrEmpty
    }
}

Describe 'Start-BertNerTraining parameter rules come from the option table (issue 17.3)' {
    It '-LearningRate allows what learning_rate allows, and says so in the table''s words' {
        { Start-BertNerTraining -Model x -LearningRate 0 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'learning_rate'; allowed: a number greater than 0 and up to 1.*"
        { Start-BertNerTraining -Model x -LearningRate 1.5 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'learning_rate'; allowed: a number greater than 0 and up to 1.*"
        # Below the cmdlet's old floor of 1e-9 but allowed by the table: binding passes, and the next complaint is the missing data.
        { Start-BertNerTraining -Model x -LearningRate 1e-10 -OutputPath (Join-Path $TestDrive 'lr') -ErrorAction Stop } |
            Should -Throw -ExpectedMessage 'No training sentences*'
        { Start-BertNerTraining -Model x -Epochs 1001 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'epochs'; allowed: a whole number from 1 to 1000.*"
    }

    It '-Device takes Auto, Cpu or Cuda in any case on every cmdlet that has it' {
        foreach ($name in 'Start-BertNerTraining', 'Get-NerEntity', 'Measure-BertNerModel', 'Import-BertNerModel') {
            $p = (Get-Command $name).Parameters.Device
            [enum]::GetNames($p.ParameterType) | Should -Be @('Auto', 'Cpu', 'Cuda')
        }
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'not-a-model')
        # Bound (any case), so the complaint is about the folder; an unknown device fails at binding and lists the names.
        { Import-BertNerModel $empty.FullName -Device cpu -ErrorAction Stop } | Should -Throw -ExpectedMessage '*not-a-model*'
        { Import-BertNerModel $empty.FullName -Device Tpu -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Auto*Cpu*Cuda*'
    }
}

Describe 'Start-BertNerTraining (tiny model)' {
    BeforeAll {
        $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
        $script:trainFile = New-ToyConll -Path (Join-Path $TestDrive 'toy-train.txt') -Count 96
        $script:validFile = New-ToyConll -Path (Join-Path $TestDrive 'toy-valid.txt') -Count 24 -Seed 11
    }

    It 'trains from the pipeline and returns a run object with the epoch table' {
        $out = Join-Path $TestDrive 'run1'
        $run = Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -ValidationPath $validFile -OutputPath $out `
            -Epochs 3 -LearningRate 0.005 -Device Cpu -InformationVariable info
        $run | Should -BeOfType ([BertNer.Training.NerTrainingRun])
        $run.Epochs.Count | Should -Be 3
        $run.Epochs[2].F1 | Should -BeGreaterThan 0.8
        $run.BestModelPath | Should -Be (Join-Path $out 'best')
        # The rows shown while training are the format view's: what $run.Epochs | Format-Table prints afterwards.
        $shown = @($info | Where-Object Tags -Contains 'BertNer.Epoch' | ForEach-Object { "$($_.MessageData)" })
        $table = @(($run.Epochs | Format-Table | Out-String -Width 200) -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ })
        $shown | Should -Be $table
        $shown[0] | Should -Match '^Epoch\s+Step\s+TrainLoss'
        Test-Path (Join-Path $out 'metrics.jsonl') | Should -BeTrue
        Test-Path (Join-Path $out 'config.yaml') | Should -BeTrue
        (Get-Content (Join-Path $out 'config.yaml') -Raw) | Should -Match 'learning_rate: 0.005'
    }

    It 'lets parameters override the YAML config' {
        $yaml = Join-Path $TestDrive 'cfg.yaml'
        New-BertNerTrainingConfig -Path $yaml -Model $tiny -TrainPath $trainFile | Out-Null
        (Get-Content $yaml) -replace '^epochs: 3', 'epochs: 5' -replace '^device: Auto', 'device: Cpu' | Set-Content $yaml
        $run = Start-BertNerTraining -ConfigPath $yaml -Epochs 1 -MaxSteps 4 -OutputPath (Join-Path $TestDrive 'run2')
        $run.Config.Epochs | Should -Be 1
        $run.Steps | Should -Be 4
    }

    It 'names the YAML key on a config error, before training starts' {
        $yaml = Join-Path $TestDrive 'bad.yaml'
        "model: $tiny`nlearnig_rate: 0.1" | Set-Content $yaml
        { Start-BertNerTraining -ConfigPath $yaml -OutputPath (Join-Path $TestDrive 'run3') -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*unknown key 'learnig_rate'*Did you mean 'learning_rate'*"
        Test-Path (Join-Path $TestDrive 'run3') | Should -BeFalse
    }

    It 'refuses to overwrite a run and resumes one' {
        $out = Join-Path $TestDrive 'run4'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -Device Cpu | Out-Null
        { Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*already holds a training run*-Resume*'
        $run = Import-Conll $trainFile | Start-BertNerTraining -Resume -OutputPath $out -Epochs 2 -Device Cpu
        $run.Epochs.Count | Should -Be 2
    }

    It 'tags text with the trained model, by path and by object, with offsets into the input' {
        $best = Join-Path $TestDrive 'run1/best'
        $e = Get-NerEntities -Text 'John Smith visited Paris.' -Model $best
        $e.Type | Should -Be @('PER', 'LOC')
        $e.Text | Should -Be @('John Smith', 'Paris')
        $e[1].Start | Should -Be 19
        $m = Import-BertNerModel $best
        $objs = 'Zoe visited London.', 'visited .', '' | Get-NerEntity -Model $m
        ($objs | Where-Object InputIndex -eq 0).Text | Should -Be @('Zoe', 'London')
        $objs | Where-Object InputIndex -ne 0 | Should -BeNullOrEmpty
        [pscustomobject]@{ Text = 'Angela Merkel visited Berlin.' } | Get-NerEntities -Model $best | Select-Object -ExpandProperty Text |
            Should -Be @('Angela Merkel', 'Berlin')
    }

    It 'gives the same entities under ForEach-Object -Parallel as sequentially' {
        $best = Join-Path $TestDrive 'run1/best'
        $texts = 1..12 | ForEach-Object { "Zoe met John Smith in Paris . Angela Merkel visited Berlin number $_ ." }
        $seq = $texts | ForEach-Object { Get-NerEntities -Text $_ -Model $best | ForEach-Object { "$($_.Type):$($_.Text):$($_.Start)" } }
        $module = $env:BERTNER_MODULE
        $par = $texts | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:module
            Get-NerEntities -Text $_ -Model $using:best | ForEach-Object { "$($_.Type):$($_.Text):$($_.Start)" }
        }
        ($par | Sort-Object) | Should -Be ($seq | Sort-Object)
    }

    It 'evaluates with Measure-BertNerModel and writes predictions for external checkers' {
        $best = Join-Path $TestDrive 'run1/best'
        $pred = Join-Path $TestDrive 'pred.txt'
        $ev = Import-Conll $validFile | Measure-BertNerModel -Model $best -PredictionsPath $pred
        $ev.F1 | Should -BeGreaterThan 0.8
        $ev.Loss | Should -BeGreaterThan 0
        $lines = Get-Content $pred | Where-Object { $_ }
        ($lines[0] -split ' ').Count | Should -Be 3
        (Measure-BertNerModel -Model $best -Path $validFile).F1 | Should -Be $ev.F1
    }
}

Describe 'Start-BertNerTraining: resume, re-run, -WhatIf and -Force (issue 16)' {
    BeforeAll {
        $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
        $script:trainFile = New-ToyConll -Path (Join-Path $TestDrive 'toy-train.txt') -Count 48
        $script:validFile = New-ToyConll -Path (Join-Path $TestDrive 'toy-valid.txt') -Count 16 -Seed 11
        # A child pwsh shows what reaches the console (-WhatIf lines and warnings written to the host).
        $script:pwsh = $env:BERTNER_PWSH ?? 'pwsh' 
        function Invoke-ChildPwsh([string] $Script) {
            $all = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$env:BERTNER_MODULE'; $Script" 2>&1
            ($all | Out-String)
        }
    }

    It 'resumes a run started with -ValidationSet objects with the same validation (16.2)' {
        $out = Join-Path $TestDrive 'valset'
        $valid = Import-Conll $validFile | Select-Object -First 10
        $first = Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -ValidationSet $valid -OutputPath $out -Epochs 1 -LearningRate 0.005 -Device Cpu
        $first.Epochs[0].F1 | Should -Not -BeNullOrEmpty
        $run = Import-Conll $trainFile | Start-BertNerTraining -Resume -OutputPath $out -Epochs 2 -Device Cpu
        $run.Epochs.Count | Should -Be 2
        $run.Epochs[1].F1 | Should -Not -BeNullOrEmpty
        (Get-Content (Join-Path $out 'config.yaml') -Raw) | Should -Match "(?m)^validation_path: .*validation\.conll"
        (Import-Conll (Join-Path $out 'validation.conll')).Count | Should -Be 10
    }

    It 'records piped whole files in config.yaml, and a subset as a copy, so the Re-run command works (16.3)' {
        $whole = Join-Path $TestDrive 'whole'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $whole -Epochs 1 -MaxSteps 2 -Device Cpu | Out-Null
        $cfg = Join-Path $whole 'config.yaml'
        $text = Get-Content $cfg -Raw
        $text | Should -Match ("(?m)^train_path: '?" + [regex]::Escape($trainFile))
        Test-Path (Join-Path $whole 'train.conll') | Should -BeFalse
        # The comment's command: the config re-runs without piping anything.
        $text | Should -Match 'Re-run it from scratch with: Start-BertNerTraining -ConfigPath .*-OutputPath <another folder>'
        $again = Start-BertNerTraining -ConfigPath $cfg -OutputPath (Join-Path $TestDrive 'whole-again')
        $again.Steps | Should -Be 2

        $subset = Join-Path $TestDrive 'subset'
        Import-Conll $trainFile | Select-Object -First 20 | Start-BertNerTraining -Model $tiny -OutputPath $subset -Epochs 1 -MaxSteps 2 -Device Cpu | Out-Null
        $text = Get-Content (Join-Path $subset 'config.yaml') -Raw
        $text | Should -Match '(?m)^# train_path is a copy of the 20 training sentences'
        $text | Should -Match "(?m)^train_path: .*train\.conll"
        (Import-Conll (Join-Path $subset 'train.conll')).Count | Should -Be 20
        (Start-BertNerTraining -ConfigPath (Join-Path $subset 'config.yaml') -OutputPath (Join-Path $TestDrive 'subset-again')).Steps | Should -Be 2
    }

    It 'says there is no run when -Resume points at a missing folder (16.4)' {
        $missing = Join-Path $TestDrive 'no-such-run'
        { Start-BertNerTraining -Resume -OutputPath $missing -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*No training run at '$missing' to resume*does not exist*"
    }

    It 'says a finished run is finished and how to go on, and trains nothing (16.4)' {
        $out = Join-Path $TestDrive 'finished'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -Device Cpu | Out-Null
        $run = Start-BertNerTraining -Resume -OutputPath $out -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -BeLike '*already finished*all 1 epoch(s) are done*-Epochs 2*Nothing was trained*'
        $run.Steps | Should -Be 6
        $run.Epochs.Count | Should -Be 1
        Get-Content (Join-Path $out 'train.log') -Raw | Should -Not -Match 'Resuming'
    }

    It 'trains on to a higher -MaxSteps after a run stopped at its max_steps (16.4)' {
        $out = Join-Path $TestDrive 'maxsteps'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -ValidationPath $validFile -OutputPath $out -Epochs 2 -MaxSteps 4 -Device Cpu | Out-Null
        $run = Start-BertNerTraining -Resume -OutputPath $out -MaxSteps 9 -WarningAction SilentlyContinue
        $run.Steps | Should -Be 9
        # Epoch 1 (6 steps) is finished in place, epoch 2 runs to step 9: one row per epoch.
        $run.Epochs.Epoch | Should -Be @(1, 2)
        $run.Epochs.Step | Should -Be @(6, 9)
        (Get-Content (Join-Path $out 'metrics.jsonl')).Count | Should -Be 2
    }

    It 'refuses an existing run without -Force or -Resume, naming both (16.7)' {
        $out = Join-Path $TestDrive 'exists'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -MaxSteps 2 -Device Cpu | Out-Null
        $err = $null
        try { Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike "*already holds a training run*-Resume*-Force*"
        $err.FullyQualifiedErrorId | Should -BeLike 'BertNer.FileExists*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'replaces a run with -Force, removing only what a run wrote (16.7)' {
        $out = Join-Path $TestDrive 'forced'
        Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 2 -MaxSteps 9 -Device Cpu | Out-Null
        'mine' | Set-Content (Join-Path $out 'notes.txt')
        New-Item -ItemType Directory (Join-Path $out 'plots') | Out-Null
        $run = Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -MaxSteps 2 -Device Cpu -Force
        $run.Steps | Should -Be 2
        Test-Path (Join-Path $out 'epoch-2') | Should -BeFalse
        (Get-Content (Join-Path $out 'metrics.jsonl')).Count | Should -Be 1
        Get-Content (Join-Path $out 'notes.txt') | Should -Be 'mine'
        Test-Path (Join-Path $out 'plots') | Should -BeTrue
        Get-ChildItem -Force $out -Filter '.replaced-run-*' | Should -BeNullOrEmpty
    }

    It 're-runs a run''s own config into its own folder with -Force, keeping its copied data (16.7)' {
        $out = Join-Path $TestDrive 'forced-own'
        Import-Conll $trainFile | Select-Object -First 20 | Start-BertNerTraining -Model $tiny -OutputPath $out -Epochs 1 -MaxSteps 2 -Device Cpu | Out-Null
        $cfg = Join-Path $out 'config.yaml'
        # train_path is the run's train.conll, which -Force removes with the old run: it is written again.
        $run = Start-BertNerTraining -ConfigPath $cfg -Force
        $run.Steps | Should -Be 2
        (Import-Conll (Join-Path $out 'train.conll')).Count | Should -Be 20
        (Get-Content $cfg -Raw) | Should -Match "(?m)^train_path: .*train\.conll"
        (Start-BertNerTraining -ConfigPath $cfg -OutputPath (Join-Path $TestDrive 'forced-own-again')).Steps | Should -Be 2
    }

    It '-WhatIf checks the config and shows what would be written, without training (16.7)' {
        $out = Join-Path $TestDrive 'whatif'
        $shown = Invoke-ChildPwsh "Import-Conll '$trainFile' | Start-BertNerTraining -Model '$tiny' -OutputPath '$out' -Epochs 2 -WhatIf; 'exit ok'"
        $shown | Should -Match 'What if:'
        $shown | Should -Match ([regex]::Escape($out))
        $shown | Should -Match 'config\.yaml.*train\.log.*metrics\.jsonl.*epoch-1/, epoch-2/, best/, last/'
        $shown | Should -Match 'exit ok'
        Test-Path $out | Should -BeFalse
        # The config is still validated under -WhatIf.
        $bad = Join-Path $TestDrive 'whatif-bad.yaml'
        "model: $tiny`nbatch_size: [8" | Set-Content $bad
        { Start-BertNerTraining -ConfigPath $bad -OutputPath $out -WhatIf -ErrorAction Stop } | Should -Throw -ExpectedMessage "$($bad):2: not valid YAML*"
        # On an existing run it names what -Force would remove, and removes nothing.
        $run = Join-Path $TestDrive 'whole'
        $shown = Invoke-ChildPwsh "Import-Conll '$trainFile' | Start-BertNerTraining -Model '$tiny' -OutputPath '$run' -Epochs 1 -Force -WhatIf"
        $shown | Should -Match 'Replace the run .*removing: .*config\.yaml'
        Test-Path (Join-Path $run 'metrics.jsonl') | Should -BeTrue
    }

    It 'names file and line for a YAML syntax error, and does not suggest a config named like a folder (16.12)' {
        $bad = Join-Path $TestDrive 'unclosed.yaml'
        New-BertNerTrainingConfig -Path $bad -Model $tiny | Out-Null
        (Get-Content $bad) -replace '^batch_size: 8$', 'batch_size: [8' | Set-Content $bad
        $line = (Select-String -Path $bad -Pattern '^batch_size: \[8').LineNumber
        $err = $null
        try { Start-BertNerTraining -ConfigPath $bad -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike "$($bad):$($line): not valid YAML*never closed*"
        $err.Exception.Message | Should -Not -BeLike '*current state of the object*'
        $folder = Join-Path $TestDrive 'whole'
        $err = $null
        try { Start-BertNerTraining -ConfigPath $folder -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike "*'$folder' is a folder*$(Join-Path $folder 'config.yaml')*"
        $err.Exception.Message | Should -Not -BeLike "*New-BertNerTrainingConfig -Path '$folder'*"
    }

    It 'creates no run folder when the model cannot be loaded (16.14)' {
        $out = Join-Path $TestDrive 'badmodel'
        $dataFolder = Join-Path $TestDrive 'data-folder'
        New-Item -ItemType Directory $dataFolder | Out-Null
        Copy-Item $trainFile $dataFolder
        { Import-Conll $trainFile | Start-BertNerTraining -Model $dataFolder -OutputPath $out -Epochs 1 -Device Cpu -ErrorAction Stop } | Should -Throw
        Test-Path $out | Should -BeFalse
    }

    It 'warns why when a finished run ends with validation F1 near zero (16.15)' {
        # Mostly O: a few steps teach the model only O, as a short run at a low learning rate does on real data.
        $train = Join-Path $TestDrive 'mostly-o.txt'; $valid = Join-Path $TestDrive 'mostly-o-valid.txt'
        Set-Content $train (@(foreach ($i in 1..47) { 'the O'; 'visited O'; 'a O'; '. O'; '' }) + 'john B-PER', 'smith I-PER', '')
        Set-Content $valid @(foreach ($i in 1..8) { 'zoe B-PER'; 'visited O'; 'paris O'; '' })
        $out = Join-Path $TestDrive 'lowf1'
        $run = Import-Conll $train | Start-BertNerTraining -Model $tiny -ValidationPath $valid -OutputPath $out -Epochs 1 -MaxSteps 2 `
            -LearningRate 0.001 -Device Cpu -WarningVariable w -WarningAction SilentlyContinue
        $run.BestF1 | Should -BeLessThan 0.05
        ($w -join "`n") | Should -BeLike '*Validation F1 is only 0.0000 after 2 optimizer step(s)*too few steps for that learning rate*-LearningRate 5e-5*-Resume*-MaxSteps 4*'
        Select-String -Path (Join-Path $out 'train.log') -Pattern 'Validation F1 is only' -Quiet | Should -BeTrue
        # A run that learned something gets no such warning.
        $good = Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -ValidationPath $validFile -OutputPath (Join-Path $TestDrive 'goodf1') `
            -Epochs 1 -LearningRate 0.01 -Device Cpu -WarningVariable w2 -WarningAction SilentlyContinue
        $good.BestF1 | Should -BeGreaterThan 0.5
        ($w2 -join "`n") | Should -Not -BeLike '*Validation F1 is only*'
    }
}

Describe 'Ctrl+C during Start-BertNerTraining' {
    BeforeAll {
        $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
        $script:trainFile = New-ToyConll -Path (Join-Path $TestDrive 'toy-train.txt') -Count 96
    }

    It 'stops at the next step, leaves a resumable checkpoint and returns cleanly' {
        $out = Join-Path $TestDrive 'stopped'
        # Stop() on a PowerShell instance is what Ctrl+C does: it calls the cmdlet's StopProcessing.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$env:BERTNER_MODULE'; Import-Conll '$trainFile' | Start-BertNerTraining -Model '$tiny' -OutputPath '$out' -Epochs 400 -LearningRate 0.001 -Device Cpu")
        $handle = $ps.BeginInvoke()
        $log = Join-Path $out 'train.log'
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not ((Test-Path $log) -and (Select-String -Path $log -Pattern 'Epoch 3/' -Quiet)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $ps.Stop()
        $handle.IsCompleted | Should -BeTrue
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $ps.Dispose()
        $state = Get-Content (Join-Path $out 'last/trainer_state.json') -Raw | ConvertFrom-Json
        $state.GlobalStep | Should -BeGreaterThan 24
        $state.Finished | Should -BeFalse
        Select-String -Path $log -Pattern 'resumable checkpoint' -Quiet | Should -BeTrue
        $run = Import-Conll $trainFile | Start-BertNerTraining -Resume -OutputPath $out -Epochs 4 -Device Cpu
        $run.Stopped | Should -BeFalse
        $run.Steps | Should -Be (4 * 12)
    }

    # script(1) runs the child pwsh on a pseudo-terminal: the ^C written to it is a real Ctrl+C (SIGINT from the terminal),
    # which pwsh ignores when its input is only a pipe. bsdutils (Essential in Debian) provides it.
    It 'tells the console how to continue after Ctrl+C, not only train.log (16.5)' -Skip:(-not (Get-Command script -CommandType Application -ErrorAction Ignore)) {
        $out = Join-Path $TestDrive 'ctrl-c'
        $pwsh = $env:BERTNER_PWSH ?? (Get-Command pwsh -CommandType Application).Source
        $command = "Import-Module '$env:BERTNER_MODULE'; Import-Conll '$trainFile' | Start-BertNerTraining -Model '$tiny' -OutputPath '$out' -Epochs 400 -LearningRate 0.001 -Device Cpu"
        # A background job of a non-interactive shell (CI runners, `cmd &`) starts with SIGINT ignored, the child inherits
        # that, and .NET leaves a signal ignored at startup ignored: the ^C would never arrive. GNU env's --default-signal
        # gives the child the default disposition a user's terminal session has.
        $defaultSigint = $null -ne (Get-Command env -CommandType Application -ErrorAction Ignore) -and $(& env --default-signal=INT true 2>$null; $LASTEXITCODE -eq 0)
        $sigIgn = @(Get-Content /proc/self/status -ErrorAction Ignore) -match '^SigIgn:' | ForEach-Object { [Convert]::ToUInt64(($_ -split '\s+')[1], 16) }
        $sigintIgnored = $null -ne $sigIgn -and ($sigIgn -band 2) -ne 0  # bit 1: signal 2, SIGINT
        if (-not $defaultSigint -and $sigintIgnored) {
            Set-ItResult -Skipped -Because 'this process ignores SIGINT (a background job) and env --default-signal is not available to undo that for the child'
            return
        }
        $prefix = if ($defaultSigint) { 'env --default-signal=INT ' } else { '' }
        $psi = [Diagnostics.ProcessStartInfo]::new('script')
        foreach ($a in '-qfec', "$prefix'$pwsh' -NoProfile -NonInteractive -Command `"$command`"", '/dev/null') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $stdout = $p.StandardOutput.ReadToEndAsync(); $stderr = $p.StandardError.ReadToEndAsync()
            $log = Join-Path $out 'train.log'
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not ((Test-Path $log) -and (Select-String -Path $log -Pattern 'Epoch 2/' -Quiet)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $p.StandardInput.Write([char]3)
            $p.StandardInput.Flush()
            # About 25 s: on a terminal PowerShell's progress view asks for the cursor position (ESC[6n) and waits for
            # each reply, which nobody gives on script(1)'s pseudo-terminal. Without the progress view the run exits in
            # 2 s, but then the console missed the line under test in 3 of 21 local runs (each the first run in its
            # process; the cause is not found yet), so the test keeps the view and allows for the waits.
            $p.WaitForExit(120000) | Should -BeTrue
        }
        finally { if (-not $p.HasExited) { $p.Kill($true) } }
        Select-String -Path $log -Pattern 'resumable checkpoint' -Quiet | Should -BeTrue
        $console = ($stdout.Result + $stderr.Result) -replace '\x1b\[[0-9;?]*[A-Za-z]' -replace '\r'
        $console | Should -Match "stopped at step \d+; continue with: Start-BertNerTraining -Resume -OutputPath '$([regex]::Escape($out))'"
    }
}

Describe 'Start-BertNerTraining never overwrites or removes files it did not write' {
    BeforeAll {
        $script:tiny2 = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny-foreign')
        $script:train2 = New-ToyConll -Path (Join-Path $TestDrive 'foreign-train.txt') -Count 24
    }

    It 'refuses a folder that is not a run but holds a config.yaml of the user''s, with or without -Force' {
        $folder = Join-Path $TestDrive 'user-project'
        New-Item -ItemType Directory $folder | Out-Null
        'my: settings' | Set-Content (Join-Path $folder 'config.yaml')
        foreach ($force in $false, $true) {
            { Import-Conll $train2 | Start-BertNerTraining -Model $tiny2 -OutputPath $folder -Epochs 1 -Device Cpu -Force:$force -ErrorAction Stop } |
                Should -Throw -ExpectedMessage '*not a training run*config.yaml*'
        }
        Get-Content (Join-Path $folder 'config.yaml') | Should -Be 'my: settings'
        Test-Path (Join-Path $folder 'train.log') | Should -BeFalse
    }
}

