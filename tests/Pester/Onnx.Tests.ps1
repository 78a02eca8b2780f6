# Export-BertNerModel as users run it (tiny model; the numeric parity is in the engine tests, tests/BertNer.Engine.Tests/Onnx).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
}

Describe 'Export-BertNerModel' {
    It 'writes a self-contained ONNX folder and returns it as Get-Item does' {
        $path = Join-Path $TestDrive 'onnx'
        $out = Export-BertNerModel -Model $tiny -Path $path
        $out | Should -BeOfType ([IO.DirectoryInfo])
        $out.FullName | Should -Be $path
        $out.PSPath | Should -Not -BeNullOrEmpty
        (Get-ChildItem $path).Name | Sort-Object | Should -Be @('config.json', 'model.onnx', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.txt')
        (Get-Content (Join-Path $path 'config.json') -Raw | ConvertFrom-Json).id2label.'1' | Should -Be 'B-PER'
    }

    It '-WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'whatif'
        Export-BertNerModel $tiny $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'refuses an existing folder without -Force, replaces an earlier export with it, and never replaces anything else' {
        $path = Join-Path $TestDrive 'again'
        Export-BertNerModel $tiny $path | Out-Null
        { Export-BertNerModel $tiny $path -ErrorAction Stop } | Should -Throw -ExpectedMessage '*already exists*-Force*'
        $before = (Get-Item (Join-Path $path 'model.onnx')).Length
        Export-BertNerModel $tiny $path -Quantize Int8 -Force | Out-Null
        (Get-Item (Join-Path $path 'model.onnx')).Length | Should -BeLessThan $before

        $mine = Join-Path $TestDrive 'mine'
        New-Item -ItemType Directory $mine | Out-Null
        'precious' | Set-Content (Join-Path $mine 'notes.txt')
        { Export-BertNerModel $tiny $mine -Force -ErrorAction Stop } | Should -Throw -ExpectedMessage '*not an ONNX export*'
        Get-Content (Join-Path $mine 'notes.txt') | Should -Be 'precious'
    }

    It 'takes a model object from the pipeline and refuses a second one for the same -Path' {
        $m = Import-BertNerModel $tiny -Device Cpu
        $m | Export-BertNerModel -Path (Join-Path $TestDrive 'piped') | Should -Not -BeNullOrEmpty
        { $m, $m | Export-BertNerModel -Path (Join-Path $TestDrive 'twice') -ErrorAction Stop } | Should -Throw -ExpectedMessage '*one model per -Path*'
    }

    It 'says what to do with a plain encoder that has no labels' {
        $encoder = Join-Path $TestDrive 'encoder'
        $m = Import-BertNerModel $tiny -Device Cpu
        Copy-Item $tiny $encoder -Recurse
        $cfg = Get-Content (Join-Path $encoder 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $cfg.Remove('id2label'); $cfg.Remove('label2id')
        $cfg | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $encoder 'config.json')
        { Export-BertNerModel $encoder (Join-Path $TestDrive 'enc-onnx') -ErrorAction Stop } | Should -Throw -ExpectedMessage '*without labels*'
    }
}

Describe 'The ONNX Runtime backend (Get-NerEntity, Measure-BertNerModel)' {
    BeforeAll {
        $train = New-ToyConll -Path (Join-Path $TestDrive 'train.txt') -Count 96
        $script:valid = New-ToyConll -Path (Join-Path $TestDrive 'valid.txt') -Count 24 -Seed 11
        $run = Import-Conll $train | Start-BertNerTraining -Model $tiny -OutputPath (Join-Path $TestDrive 'run') -Epochs 3 -LearningRate 0.005 `
            -Device Cpu -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $script:best = $run.BestModelPath
        $script:export = Join-Path $TestDrive 'export'
        Export-BertNerModel $best $export | Out-Null
        # Short texts, and one long enough to be cut into several windows (the tiny model has 64 positions).
        $script:texts = @('john smith visited paris .', 'zoe met angela merkel in berlin .', '',
            ((1..30 | ForEach-Object { 'angela merkel visited london .' }) -join ' '))
        function Show($entities) { $entities | ForEach-Object { '{0} {1} {2}-{3} {4}' -f $_.InputIndex, $_.Type, $_.Start, $_.End, $_.Text } }
    }

    It 'gives the entities, offsets and scores the libtorch model gives, through the same windows and batches' {
        $torch = Get-NerEntity -Text $texts -Model $best -BatchSize 3
        $onnx = Get-NerEntity -Text $texts -Model $export -BatchSize 3
        $torch.Count | Should -BeGreaterThan 60
        Show $onnx | Should -Be (Show $torch)
        for ($i = 0; $i -lt $torch.Count; $i++) { [Math]::Abs($onnx[$i].Score - $torch[$i].Score) | Should -BeLessThan 1e-4 }
    }

    It 'chooses ONNX Runtime for an export by itself and says so with -Verbose' {
        $verbose = Get-NerEntity -Text 'zoe visited paris .' -Model $export -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'with Onnx'
    }

    It 'measures the same metrics on labelled sentences' {
        $a = Import-Conll $valid | Measure-BertNerModel -Model $best
        $b = Import-Conll $valid | Measure-BertNerModel -Model $export
        $b.F1 | Should -Be $a.F1
        $b.Precision | Should -Be $a.Precision
        $b.Recall | Should -Be $a.Recall
        [Math]::Abs($b.Loss - $a.Loss) | Should -BeLessThan 1e-4
    }

    It 'says what to give when -Backend does not fit the folder' {
        { Get-NerEntity -Text 'x' -Model $best -Backend Onnx -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Export-BertNerModel*'
        { Get-NerEntity -Text 'x' -Model $export -Device Cuda -ErrorAction Stop } | Should -Throw -ExpectedMessage '*ONNX Runtime on the CPU*'
    }

    It 'tags with an export in a module copy that has no libtorch at all' {
        $copy = Join-Path $TestDrive 'module-without-libtorch/BertNer'
        New-Item -ItemType Directory $copy -Force | Out-Null
        Copy-Item (Join-Path (Split-Path $env:BERTNER_MODULE) '*') $copy -Recurse
        # Every native library but ONNX Runtime's (libtorch, its OpenMP, TorchSharp's glue); managed TorchSharp.dll stays.
        Get-ChildItem $copy -Recurse -File | Where-Object { $_.Name -match '^lib.*\.(so(\.\d+)*|dylib)$' -and $_.Name -notmatch 'onnxruntime' } | Remove-Item
        Get-ChildItem $copy -Recurse -Filter 'libtorch_cpu*' | Should -BeNullOrEmpty
        # Installing libtorch on first use is off: this copy is meant to stay without it (and nothing lands in the user's runtime folder).
        $script = "`$env:BERTNER_RUNTIME_AUTOINSTALL = '0'; Import-Module '$copy/BertNer.psd1'; " +
            "Get-NerEntity -Text 'john smith visited paris .' -Model '$export' | ForEach-Object { `$_.Type + ' ' + `$_.Text }; " +
            "try { Get-NerEntity -Text 'x' -Model '$best' -ErrorAction Stop } catch { 'torch: ' + `$_.Exception.Message }"
        $out = & $env:BERTNER_PWSH -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $out | Should -Match 'PER john smith'
        $out | Should -Match 'LOC paris'
        $out | Should -Match 'torch: .*libtorch'
    }
}

Describe 'Export-BertNerModel -Force never replaces what BertNer did not write' {
    It 'refuses an export folder that also holds a user file, and a model.onnx from elsewhere' {
        $path = Join-Path $TestDrive 'export-plus-notes'
        Export-BertNerModel $tiny $path | Out-Null
        'mine' | Set-Content (Join-Path $path 'notes.txt')
        { Export-BertNerModel $tiny $path -Force -ErrorAction Stop } | Should -Throw -ExpectedMessage '*notes.txt*'
        Get-Content (Join-Path $path 'notes.txt') | Should -Be 'mine'

        $other = Join-Path $TestDrive 'other-tool'
        New-Item -ItemType Directory $other | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $other 'model.onnx'), [byte[]](1..64))
        { Export-BertNerModel $tiny $other -Force -ErrorAction Stop } | Should -Throw -ExpectedMessage '*not written by BertNer*'
        (Get-Item (Join-Path $other 'model.onnx')).Length | Should -Be 64
    }
}
