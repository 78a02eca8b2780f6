# examples/retrain.ps1 in CI mode on a small real subset: it must pass above the threshold and fail below
# it, and gate on regression against a previous metrics.json. Also the reduced real-data training check
# (issue: a broken training loop cannot land): F1 after a short real run stays above a measured floor.
BeforeDiscovery {
    $script:hasShared = Test-Path (Join-Path $env:BERTNER_REPO '../shared/models/minilm-l6-h384-uncased/config.json')
    if (-not $hasShared) { Write-Warning '../shared is absent: the retraining tests need the real model and data and are skipped.' }
}

Describe 'examples/retrain.ps1 usage errors (exit 1, nothing trained)' {
    BeforeAll {
        $script:retrain = Join-Path $env:BERTNER_REPO 'examples/retrain.ps1'
        $script:config = Join-Path $TestDrive 'usage.yaml'
        "model: nowhere`nvalidation_path: $TestDrive/valid.txt" | Set-Content $config
        function Invoke-Retrain { & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain @args -ModulePath $env:BERTNER_MODULE *>&1 | Out-String }
    }

    It 'exits 1 for a parameter PowerShell cannot bind (a typo), which is not a quality verdict' {
        $text = Invoke-Retrain -ConfigPath $config -MinimumF1x 0.9
        $LASTEXITCODE | Should -Be 1
        $text | Should -Match 'MinimumF1x'
    }

    It 'exits 1 when -ConfigPath is not a file, saying what to give' {
        $text = Invoke-Retrain -ConfigPath (Join-Path $TestDrive 'missing.yaml') -OutputPath (Join-Path $TestDrive 'never')
        $LASTEXITCODE | Should -Be 1
        $text | Should -Match 'missing\.yaml.*is not a file'
        Test-Path (Join-Path $TestDrive 'never') | Should -BeFalse
    }

    It 'exits 1 for -TrainLimit without train_path and for -NoTrain with -Force' {
        $text = Invoke-Retrain -ConfigPath $config -TrainLimit 10 -OutputPath (Join-Path $TestDrive 'never')
        $LASTEXITCODE | Should -Be 1
        $text | Should -Match 'TrainLimit needs train_path'
        $text = Invoke-Retrain -ConfigPath $config -NoTrain -Force -OutputPath (Join-Path $TestDrive 'never')
        $LASTEXITCODE | Should -Be 1
        $text | Should -Match 'NoTrain'
    }
}

Describe 'examples/retrain.ps1 re-running into the same folder (tiny model)' {
    BeforeAll {
        Import-Module $env:BERTNER_MODULE -Force
        . (Join-Path $PSScriptRoot 'TinyModel.ps1')
        $script:retrain = Join-Path $env:BERTNER_REPO 'examples/retrain.ps1'
        $tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
        $train = New-ToyConll -Path (Join-Path $TestDrive 'train.txt') -Count 48
        $valid = New-ToyConll -Path (Join-Path $TestDrive 'valid.txt') -Count 16 -Seed 11
        $script:config = Join-Path $TestDrive 'tiny.yaml'
        "model: $tiny`ntrain_path: $train`nvalidation_path: $valid`ndevice: Cpu`nepochs: 1`nlearning_rate: 0.005" | Set-Content $config
        $script:out = Join-Path $TestDrive 'agent-run'
        function Invoke-Retrain { & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $config -OutputPath $out @args -ModulePath $env:BERTNER_MODULE *>&1 | Out-String }
    }

    It 'refuses a second run into the folder without -Force (exit 3, naming -Force) and replaces it with -Force' {
        $first = Invoke-Retrain
        $LASTEXITCODE | Should -Be 0 -Because $first
        'kept' | Set-Content (Join-Path $out 'agent-notes.txt')
        $second = Invoke-Retrain
        $LASTEXITCODE | Should -Be 3
        $second | Should -Match '-Force'
        $third = Invoke-Retrain -Force
        $LASTEXITCODE | Should -Be 0 -Because $third
        Get-Content (Join-Path $out 'agent-notes.txt') | Should -Be 'kept'   # -Force removes only what a run wrote
        Test-Path (Join-Path $out 'metrics.json') | Should -BeTrue
    }
}

Describe 'examples/retrain.ps1 (MiniLM, 400 CoNLL-2003 sentences, 1 epoch)' -Skip:(-not $hasShared) {
    BeforeAll {
        $script:shared = Join-Path $env:BERTNER_REPO '../shared'
        $script:retrain = Join-Path $env:BERTNER_REPO 'examples/retrain.ps1'
        $script:out = Join-Path $TestDrive 'run'
        $script:config = Join-Path $TestDrive 'retrain.yaml'
        @"
model: $shared/models/minilm-l6-h384-uncased
train_path: $shared/data/conll2003/train.txt
validation_path: $shared/data/conll2003/valid.txt
device: Cpu
epochs: 1
learning_rate: 1.0e-04
eval_batch_size: 32
"@ | Set-Content $config
        # Measured here (2026-11-25): this run reaches F1 0.4094 (P 0.4292, R 0.3914) on the first 300 validation
        # sentences; a broken training loop stays near 0. The floor leaves room for thread-count noise.
        $script:floor = 0.30
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $config -OutputPath $out `
            -TrainLimit 400 -EvaluationLimit 300 -MinimumF1 $floor -ModulePath $env:BERTNER_MODULE *> (Join-Path $TestDrive 'first.log')
        $script:firstExit = $LASTEXITCODE
        $script:metrics = Get-Content -Raw (Join-Path $out 'metrics.json') | ConvertFrom-Json
    }

    It 'trains, evaluates and exits 0 above the threshold, with metrics.json and summary.md' {
        $firstExit | Should -Be 0 -Because (Get-Content (Join-Path $TestDrive 'first.log') -Raw)
        $metrics.f1 | Should -BeGreaterOrEqual $floor
        $metrics.sentences | Should -Be 300
        $metrics.per_type.type | Should -Contain 'PER'
        (Get-Content (Join-Path $out 'summary.md') -Raw) | Should -Match '\| gate \| passed \|'
    }

    It 'Get-NerEntities on 200 validation sentences joined into text finds the entities Measure-BertNerModel predicts' {
        Import-Module $env:BERTNER_MODULE
        . (Join-Path $PSScriptRoot 'EntitiesMatchEvaluation.ps1')
        $sentences = @(Import-Conll "$shared/data/conll2003/valid.txt" | Select-Object -First 200)
        $r = Compare-EntitiesWithEvaluation -Sentences $sentences -Model (Join-Path $out 'best') -Scratch $TestDrive
        $r.FromEvaluation.Count | Should -BeGreaterThan 50
        ($r.FromText | Sort-Object) | Should -Be ($r.FromEvaluation | Sort-Object)
    }

    It 'exports the trained model to ONNX with identical word predictions on all 3,250 validation sentences' {
        Import-Module $env:BERTNER_MODULE
        $export = Join-Path $TestDrive 'onnx'
        Export-BertNerModel (Join-Path $out 'best') $export | Out-Null
        $valid = Import-Conll "$shared/data/conll2003/valid.txt"
        $torch = $valid | Measure-BertNerModel -Model (Join-Path $out 'best') -Backend Torch -PredictionsPath (Join-Path $TestDrive 'torch.txt')
        $onnx = $valid | Measure-BertNerModel -Model $export -PredictionsPath (Join-Path $TestDrive 'onnx.txt')
        $torch.Sentences | Should -Be 3250
        (Get-FileHash (Join-Path $TestDrive 'onnx.txt')).Hash | Should -Be (Get-FileHash (Join-Path $TestDrive 'torch.txt')).Hash
        $onnx.F1 | Should -Be $torch.F1
        [Math]::Abs($onnx.Loss - $torch.Loss) | Should -BeLessThan 1e-4
    }

    It 'exits 4 when F1 is below -MinimumF1 (not 1, which is a usage error)' {
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $config -OutputPath $out -NoTrain `
            -EvaluationLimit 300 -MinimumF1 0.99 -ModulePath $env:BERTNER_MODULE *> $null
        $LASTEXITCODE | Should -Be 4
        (Get-Content (Join-Path $out 'summary.md') -Raw) | Should -Match 'below the minimum'
    }

    It 'exits 2 when F1 regressed against the previous model by more than -MaxRegression' {
        $previous = Join-Path $TestDrive 'previous.json'
        @{ f1 = [Math]::Min(1.0, $metrics.f1 + 0.05) } | ConvertTo-Json | Set-Content $previous
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $config -OutputPath $out -NoTrain `
            -EvaluationLimit 300 -PreviousMetricsPath $previous -MaxRegression 0.01 -MetricsPath (Join-Path $TestDrive 'm2.json') -ModulePath $env:BERTNER_MODULE *> $null
        $LASTEXITCODE | Should -Be 2
        @{ f1 = $metrics.f1 + 0.005 } | ConvertTo-Json | Set-Content $previous
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $config -OutputPath $out -NoTrain `
            -EvaluationLimit 300 -PreviousMetricsPath $previous -MaxRegression 0.01 -MetricsPath (Join-Path $TestDrive 'm3.json') -ModulePath $env:BERTNER_MODULE *> $null
        $LASTEXITCODE | Should -Be 0
    }

    It 'exits 3 with a clear error when training cannot start' {
        $bad = Join-Path $TestDrive 'bad.yaml'
        "model: $shared/models/minilm-l6-h384-uncased`nepocs: 1" | Set-Content $bad
        $text = & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $retrain -ConfigPath $bad -OutputPath (Join-Path $TestDrive 'bad-run') `
            -EvaluationPath "$shared/data/conll2003/valid.txt" -EvaluationLimit 10 -ModulePath $env:BERTNER_MODULE *>&1 | Out-String
        $LASTEXITCODE | Should -Be 3
        $text | Should -Match "unknown key 'epocs'"
    }
}
