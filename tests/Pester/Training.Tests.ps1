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
        ($info | Out-String) | Should -Match 'Epoch\s+Step\s+TrainLoss'
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
}
