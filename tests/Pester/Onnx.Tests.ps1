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
