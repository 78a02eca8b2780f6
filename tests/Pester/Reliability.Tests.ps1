# Bad input, damaged files and load, as users meet them through the cmdlets: errors are typed ErrorRecords with a
# category, a target and a message that says what to do; entity offsets hold for any text; memory stays flat over
# a long stream of sentences; four runspaces tagging at once give the same entities as one.
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')

    # A copy of the tiny model folder with one file changed.
    function New-DamagedModel([string] $Name, [scriptblock] $Damage) {
        $folder = Join-Path $TestDrive $Name
        Copy-Item $tiny $folder -Recurse
        & $Damage $folder
        $folder
    }
}

Describe 'Errors from bad files reach PowerShell typed' {
    It 'Import-Conll: a line over a mebibyte is InvalidData naming file:line, without quoting the line' {
        $path = Join-Path $TestDrive 'one-line.txt'
        [IO.File]::WriteAllText($path, "EU B-ORG`n`n" + ('x' * 1100000) + " O`n")
        $e = { Import-Conll $path -ErrorAction Stop } | Should -Throw -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.FullyQualifiedErrorId | Should -BeLike 'BertNer.InvalidData*'
        $e.TargetObject | Should -Be "${path}:3"
        $e.Exception.Message | Should -Match 'longer than 1,048,576 characters.*Is this a CoNLL file'
        $e.Exception.Message.Length | Should -BeLessThan 400
    }

    It 'Import-BertNerModel: <what> is InvalidData naming the model folder' -ForEach @(
        @{ what = 'a config.json key given twice'; expect = "'hidden_size' appears twice"; damage = {
                param($f) $c = Join-Path $f 'config.json'; (Get-Content $c -Raw) -replace '^\{', '{ "hidden_size": 64,' | Set-Content $c } }
        @{ what = 'an absurd num_hidden_layers'; expect = 'do not belong together'; damage = {
                param($f) $c = Join-Path $f 'config.json'; (Get-Content $c -Raw) -replace '"num_hidden_layers": 2', '"num_hidden_layers": 1000000' | Set-Content $c } }
        @{ what = 'a truncated model.safetensors'; expect = 'truncated'; damage = {
                param($f) $w = Join-Path $f 'model.safetensors'; $b = [IO.File]::ReadAllBytes($w); [IO.File]::WriteAllBytes($w, $b[0..($b.Length / 2)]) } }
        @{ what = 'a shard index pointing outside the folder'; expect = "'\.\.' segment"; damage = {
                param($f) Remove-Item (Join-Path $f 'model.safetensors')
                '{"weight_map": {"classifier.bias": "../outside.safetensors"}}' | Set-Content (Join-Path $f 'model.safetensors.index.json') } }
    ) {
        $folder = New-DamagedModel ($what -replace '\W', '-') $damage
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $e = { Import-BertNerModel $folder -Device Cpu -ErrorAction Stop } | Should -Throw -PassThru
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.TargetObject | Should -Be $folder
        $e.Exception.Message | Should -Match $expect
    }

    It 'Start-BertNerTraining: YAML nested 30,000 deep is InvalidData naming the line, and the session survives' {
        # Before, this overflowed the stack and ended the process.
        $yaml = Join-Path $TestDrive 'deep.yaml'
        "epochs: 1`nlabels: " + ('[' * 30000) + (']' * 30000) | Set-Content $yaml
        $e = { Start-BertNerTraining -ConfigPath $yaml -OutputPath (Join-Path $TestDrive 'never') -ErrorAction Stop } | Should -Throw -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.TargetObject | Should -Be "${yaml}:2"
        $e.Exception.Message | Should -Match 'nested more than 16 deep'
    }

    It 'Start-BertNerTraining: an output folder that cannot be created is a WriteError on OutputPath before any step' {
        $file = Join-Path $TestDrive 'a-file'
        'x' | Set-Content $file
        $train = New-ToyConll -Path (Join-Path $TestDrive 'toy.txt') -Count 16
        $e = { Import-Conll $train | Start-BertNerTraining -Model $tiny -OutputPath (Join-Path $file 'run') -Device Cpu -ErrorAction Stop } |
            Should -Throw -PassThru
        $e.CategoryInfo.Category | Should -Be 'WriteError'
        $e.TargetObject | Should -Be 'OutputPath'
        $e.Exception.Message | Should -Match 'Cannot write to the output folder.*Choose a writable -OutputPath'
    }
}

Describe 'Get-NerEntities on text no tokenizer expects' {
    It 'cuts every input exactly: empty, null, lone surrogates, control characters, marks, emoji and a megabyte' {
        $texts = @(
            '', $null, ' ', "John`u{0000}Smith visited`u{0007} Paris", "`u{D800}John`u{DC00} Smith`u{FFFE}", "`u{202E}Zoe`u{200B} visited London",
            "Zoe`u{301}`u{301} visited Berlin`u{1F680}", "Angela`u{2028}Merkel`u{0085}met`u{00A0}John", ('John Smith visited Paris . ' * 40000)
        )
        # $null in the pipeline once threw NullReferenceException from the cmdlet; it is one input without entities.
        $entities = $texts | Get-NerEntities -Model $tiny
        $entities.Count | Should -BeGreaterThan 40000
        $wrong = foreach ($e in $entities) {
            if ($texts[$e.InputIndex].Substring($e.Start, $e.End - $e.Start) -cne $e.Text) { "$($e.InputIndex) [$($e.Start)..$($e.End))" }
        }
        $wrong | Should -BeNullOrEmpty
        ($entities | Where-Object InputIndex -in 0, 1, 2) | Should -BeNullOrEmpty
    }
}

Describe 'Load' {
    It 'streams 20,000 sentences through Get-NerEntities with flat memory' {
        # A child pwsh, so the figure is this stream's alone. 20,000 keeps the suite quick on a busy machine (libtorch's
        # threads spin while they wait for a core); the 100,000 figures in docs/reliability.md come from the same script.
        $script = Join-Path $env:BERTNER_REPO 'tests/Load/Measure-NerEntityStream.ps1'
        $out = & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $script -Count 20000 -Module $env:BERTNER_MODULE 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        Write-Host "    $($out -join ' ')"
        ($out -join "`n") | Should -Match '20,000 sentences'
    }

    It 'gives the same entities from four runspaces tagging at once as from one' {
        $texts = 1..400 | ForEach-Object { "Zoe met John Smith in Paris . Angela Merkel visited Berlin on day $_ ." }
        $one = $texts | Get-NerEntities -Model $tiny | ForEach-Object { "$($_.InputIndex):$($_.Type):$($_.Start):$($_.End)" }

        # Four runspaces of one pool; a countdown makes each wait until all four are running, so they tag at the same time.
        $ready = [Threading.CountdownEvent]::new(4)
        $pool = [runspacefactory]::CreateRunspacePool(4, 4)
        $pool.Open()
        try {
            $jobs = foreach ($k in 0..3) {
                $ps = [powershell]::Create()
                $ps.RunspacePool = $pool
                $null = $ps.AddScript({
                        param($module, $model, $texts, $first, $ready)
                        Import-Module $module
                        $ready.Signal() | Out-Null
                        if (-not $ready.Wait([TimeSpan]::FromSeconds(60))) { throw 'the four runspaces never ran together' }
                        $texts | Get-NerEntities -Model $model | ForEach-Object { "$($first + $_.InputIndex):$($_.Type):$($_.Start):$($_.End)" }
                    }).AddArgument($env:BERTNER_MODULE).AddArgument($tiny).AddArgument($texts[($k * 100)..($k * 100 + 99)]).AddArgument($k * 100).AddArgument($ready)
                [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
            }
            $four = foreach ($j in $jobs) { $j.PowerShell.EndInvoke($j.Handle); $j.PowerShell.Dispose() }
        }
        finally {
            $pool.Dispose()
        }
        $one.Count | Should -BeGreaterThan 400
        ($four | Sort-Object) | Should -Be ($one | Sort-Object)
    }
}
