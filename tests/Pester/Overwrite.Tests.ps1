# The files the cmdlets write: an existing file is replaced only with -Force, with the same error from every cmdlet
# (src/BertNer.PowerShell/Support/OverwriteGuard.cs), and a written file comes back as Get-Item returns it.
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
    $script:valid = New-ToyConll -Path (Join-Path $TestDrive 'valid.txt') -Count 12 -Seed 5
    $script:entity = [BertNer.Inference.NerEntity]@{ Type = 'PER'; Text = 'Zoe'; Start = 0; End = 3; Score = 0.9; InputIndex = 0; Input = 'Zoe met Angela.' }

    # Each cmdlet that writes a file, with the parameter that names it; each block writes to $args[0] (-Force in $args[1]).
    $script:writers = @(
        @{ Cmdlet = 'Export-Conll'; Parameter = 'Path'; Write = { param($p, $f) Import-Conll $valid | Export-Conll $p -Force:$f -ErrorAction Stop } }
        @{ Cmdlet = 'ConvertTo-NerHtml'; Parameter = 'Path'; Write = { param($p, $f) $entity | ConvertTo-NerHtml -Path $p -Force:$f -ErrorAction Stop } }
        @{ Cmdlet = 'New-BertNerTrainingConfig'; Parameter = 'Path'; Write = { param($p, $f) New-BertNerTrainingConfig $p -Force:$f -ErrorAction Stop } }
        @{ Cmdlet = 'Measure-BertNerModel'; Parameter = 'PredictionsPath'; Write = { param($p, $f) Measure-BertNerModel $tiny -Path $valid -Device Cpu -PredictionsPath $p -Force:$f -ErrorAction Stop } }
    )
}

Describe 'Replacing a file' {
    It 'Measure-BertNerModel -PredictionsPath refuses to replace a file without -Force, before evaluating, and replaces it with -Force' {
        $pred = Join-Path $TestDrive 'pred.txt'
        Set-Content $pred 'keep me'
        $ps = [powershell]::Create()
        try {
            # No progress record: the refusal comes before the evaluation, not after it.
            $null = $ps.AddScript("Import-Module '$env:BERTNER_MODULE'; Measure-BertNerModel '$tiny' -Path '$valid' -Device Cpu -PredictionsPath '$pred'")
            $out = $ps.Invoke()
            $out | Should -BeNullOrEmpty
            $ps.Streams.Error.Count | Should -Be 1
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'BertNer.FileExists*'
            $ps.Streams.Error[0].Exception.Message | Should -Be "'$pred' already exists. Use -Force to replace it, or choose another -PredictionsPath."
            @($ps.Streams.Progress | Where-Object Activity -Like 'Evaluating*') | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        Get-Content $pred | Should -Be 'keep me'

        $ev = Measure-BertNerModel $tiny -Path $valid -Device Cpu -PredictionsPath $pred -Force
        $ev | Should -Not -BeNullOrEmpty
        (Get-Content $pred)[0] | Should -Match '^\S+ \S+ \S+$'
    }

    It '<Cmdlet> refuses an existing file with the shared error, leaves it as it was, and replaces it with -Force' -ForEach @(
        @{ Index = 0; Cmdlet = 'Export-Conll' }, @{ Index = 1; Cmdlet = 'ConvertTo-NerHtml' },
        @{ Index = 2; Cmdlet = 'New-BertNerTrainingConfig' }, @{ Index = 3; Cmdlet = 'Measure-BertNerModel' }
    ) {
        $w = $writers[$Index]
        $path = Join-Path $TestDrive "exists-$Index.out"
        Set-Content $path 'keep me'
        $err = $null
        try { & $w.Write $path $false } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty -Because "$Cmdlet must not replace a file without -Force"
        $err.FullyQualifiedErrorId | Should -BeLike "BertNer.FileExists,*"
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.TargetObject | Should -Be $path
        $err.Exception.Message | Should -Be "'$path' already exists. Use -Force to replace it, or choose another -$($w.Parameter)."
        Get-Content $path | Should -Be 'keep me'

        $null = & $w.Write $path $true
        Get-Content $path -TotalCount 1 | Should -Not -Be 'keep me'
        Get-ChildItem $TestDrive -Force -Filter '*.tmp*' | Should -BeNullOrEmpty
    }
}

Describe 'Measure-BertNerModel -PredictionsPath' {
    It 'writes "token gold predicted" lines and a blank line after each sentence, without -DOCSTART- lines, as conlleval reads them' {
        # Two documents: the predictions file has no -DOCSTART- line for either (conlleval would count it as a token).
        $twoDocs = Join-Path $TestDrive 'two-docs.txt'
        [IO.File]::WriteAllText($twoDocs, "-DOCSTART- O`n`nzoe B-PER`nvisited O`nparis B-LOC`n`n-DOCSTART- O`n`njohn B-PER`nsmith I-PER`n. O`n")
        $sentences = @(Import-Conll $twoDocs)
        $pred = Join-Path $TestDrive 'two-docs.pred'
        $null = $sentences | Measure-BertNerModel $tiny -Device Cpu -PredictionsPath $pred
        $bytes = [IO.File]::ReadAllBytes($pred)
        $bytes[0] | Should -Not -Be 0xEF   # no BOM
        $text = [Text.Encoding]::UTF8.GetString($bytes)
        $text | Should -Not -Match "`r"
        $text | Should -Not -Match 'DOCSTART'
        $blocks = $text -split "`n`n"
        $blocks.Count | Should -Be 3   # two sentences, each ended by a blank line
        $blocks[2] | Should -Be ''
        $labels = 'O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'   # the tiny model's (TinyModel.ps1)
        for ($i = 0; $i -lt 2; $i++) {
            $lines = $blocks[$i] -split "`n"
            $lines.Count | Should -Be $sentences[$i].Count
            for ($w = 0; $w -lt $lines.Count; $w++) {
                $token, $gold, $predicted, $rest = $lines[$w] -split ' '
                $token | Should -Be $sentences[$i].Tokens[$w]
                $gold | Should -Be $sentences[$i].Labels[$w]
                $predicted | Should -BeIn $labels
                $rest | Should -BeNullOrEmpty
            }
        }
        # The caller's sentences are not changed by the evaluation.
        $sentences | Where-Object PredictedLabels | Should -BeNullOrEmpty
    }
}

Describe 'A written file comes back as Get-Item returns it' {
    It '<Cmdlet> returns the file with the FileSystem provider''s properties, shown as Get-Item shows it' -ForEach @(
        @{ Index = 1; Cmdlet = 'ConvertTo-NerHtml' }, @{ Index = 2; Cmdlet = 'New-BertNerTrainingConfig' }
    ) {
        $path = Join-Path $TestDrive "returned-$Index.out"
        $file = & $writers[$Index].Write $path $false
        @($file).Count | Should -Be 1
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $path
        $file.PSPath | Should -Be (Get-Item $path).PSPath
        $file.PSParentPath | Should -Not -BeNullOrEmpty
        $file.PSProvider.Name | Should -Be 'FileSystem'
        ($file | Out-String -Width 120) | Should -Be (Get-Item $path | Out-String -Width 120)
    }
}
