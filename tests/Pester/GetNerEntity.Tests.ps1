# Get-NerEntity as users run it (issue 16, points 6, 8, 9 and 10): Ctrl+C inside one long text, files from
# Get-ChildItem, the table's columns and the caller's Id, progress and verbose lines. The tiny random model tags
# nonsense, but deterministically: these tests compare entities between ways of calling, never with gold.
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:tinyPath = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
    $script:tiny = Import-BertNerModel $tinyPath -Device Cpu
    $script:sentence = 'john smith visited paris . angela merkel met zoe in berlin . '

    # Runs a script in a runspace of its own (with the module), so its progress records can be read. One script,
    # not a batch of statements: stopping a batch and disposing it can crash the process (PowerShell queues the
    # next statement on the thread pool, which then finds the runspace closing).
    function script:Start-Isolated([string] $Script, [hashtable] $Arguments) {
        $session = [initialsessionstate]::CreateDefault()
        $session.ImportPSModule($env:BERTNER_MODULE)
        $ps = [powershell]::Create($session)
        $null = $ps.AddScript($Script)
        foreach ($k in $Arguments.Keys) { $null = $ps.AddParameter($k, $Arguments[$k]) }
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ PowerShell = $ps; Async = $async; Output = $output }
    }

    # "windows 12/4,255" in a progress record's CurrentOperation: the windows of the texts being tagged.
    function script:WindowCount($Record) {
        if ($Record.CurrentOperation -match 'windows ([\d,]+)/([\d,]+)') {
            [pscustomobject]@{ Done = [int]($Matches[1] -replace ',', ''); Total = [int]($Matches[2] -replace ',', '') }
        }
    }
}

AfterAll {
    if ($tiny) { $tiny.Dispose() }
}

Describe 'Ctrl+C inside one long text (16.6)' {
    It 'Stop() after the first windows ends the pipeline part way through the text, with no entities' {
        # One text of ~1,400 windows at one window per batch: Stop() comes after the first progress record, long
        # before the last window. Before, cancellation was only looked at between texts, so every window ran.
        $run = Start-Isolated 'param($Text, $Model) Get-NerEntity -Text $Text -Model $Model -Device Cpu -BatchSize 1' @{
            Text = $sentence * 5000; Model = $tinyPath
        }
        $ps = $run.PowerShell
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(2) # only so a broken build cannot hang the suite
            while (-not $run.Async.IsCompleted -and [DateTime]::UtcNow -lt $deadline -and
                -not @($ps.Streams.Progress | Where-Object { (WindowCount $_).Done -gt 0 })) { Start-Sleep -Milliseconds 20 }
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped' -Because 'Stop() came while the text was being tagged'
            $run.Output.Count | Should -Be 0 -Because 'a stopped text gives no partial entities'
            $counts = @($ps.Streams.Progress | ForEach-Object { WindowCount $_ } | Where-Object Total -gt 0)
            $counts | Should -Not -BeNullOrEmpty -Because 'progress names the windows done'
            $counts[-1].Done | Should -BeLessThan $counts[-1].Total -Because 'the windows after Stop() are not run'
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'a stopped pipeline leaves the model usable: the next call gives the same entities as before' {
        $before = Get-NerEntity -Text ($sentence * 3) -Model $tiny | ForEach-Object { "$($_.Type):$($_.Start):$($_.End)" }
        $run = Start-Isolated 'param($Text, $Model) Get-NerEntity -Text $Text -Model $Model -BatchSize 1' @{ Text = $sentence * 5000; Model = $tiny }
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(2)
            while (-not $run.Async.IsCompleted -and [DateTime]::UtcNow -lt $deadline -and $run.PowerShell.Streams.Progress.Count -eq 0) { Start-Sleep -Milliseconds 20 }
            $run.PowerShell.Stop()
        }
        finally {
            $run.PowerShell.Dispose()
        }
        Get-NerEntity -Text ($sentence * 3) -Model $tiny | ForEach-Object { "$($_.Type):$($_.Start):$($_.End)" } | Should -Be $before
    }
}

Describe 'Files from Get-ChildItem (16.8)' {
    BeforeAll {
        # The folder's name is made of words the model knows: tagging the path would find "entities" in it.
        $script:dir = New-Item -ItemType Directory (Join-Path $TestDrive 'angela merkel visited paris') -Force
        $script:fileText = "Zoë visited London.`nJohn Smith met Angela Merkel in Berlin. " + ($sentence * 30)
        $script:file = Join-Path $dir 'notes.txt'
        [IO.File]::WriteAllText($file, $fileText, [Text.UTF8Encoding]::new($true)) # with a BOM: offsets count from after it
        $script:other = Join-Path $dir 'other.txt'
        [IO.File]::WriteAllText($other, "berlin . $sentence")
        $script:fromText = @(Get-NerEntity -Text $fileText -Model $tiny)
        $fromText.Count | Should -BeGreaterThan 0 -Because 'the comparisons below need entities'
    }

    It 'Get-ChildItem notes.txt | Get-NerEntity tags the file''s text, not its path' {
        $es = @(Get-ChildItem $file | Get-NerEntity -Model $tiny)
        ($es | ForEach-Object { "$($_.Type):$($_.Text):$($_.Start):$($_.End)" }) | Should -Be ($fromText | ForEach-Object { "$($_.Type):$($_.Text):$($_.Start):$($_.End)" })
        foreach ($e in $es) {
            $e.Input | Should -BeExactly $fileText
            $e.SourceFile | Should -Be (Get-Item $file).FullName
            $e.Input.Substring($e.Start, $e.End - $e.Start) | Should -BeExactly $e.Text
        }
    }

    It 'a FileInfo without PSPath (made in .NET) is read too, through FullName' {
        $es = @([IO.FileInfo]::new($file) | Get-NerEntity -Model $tiny)
        $es.Count | Should -Be $fromText.Count
        foreach ($e in $es) { $e.Input | Should -BeExactly $fileText }
    }

    It '-Path expands wildcards; each file is one input, in order, and names itself in SourceFile' {
        $es = @(Get-NerEntity -Path (Join-Path $dir '*.txt') -Model $tiny)
        @($es | Select-Object -ExpandProperty SourceFile -Unique) | Should -Be @((Get-Item $file).FullName, (Get-Item $other).FullName)
        foreach ($e in $es) { $e.Input | Should -BeExactly ([IO.File]::ReadAllText($e.SourceFile)) }
        @($es | Select-Object -ExpandProperty InputIndex -Unique) | Should -Be @(0, 1)
    }

    It '-LiteralPath takes brackets literally' {
        $odd = Join-Path $dir 'a[1].txt'
        [IO.File]::WriteAllText($odd, $fileText)
        $es = @(Get-NerEntity -LiteralPath $odd -Model $tiny)
        $es.Count | Should -Be $fromText.Count
        $es[0].SourceFile | Should -Be $odd
    }

    It 'lines from Get-Content (strings that carry PSPath) are still tagged one by one as text' {
        $lines = Get-Content $file
        $es = @(Get-Content $file | Get-NerEntity -Model $tiny)
        $es.Count | Should -BeGreaterThan 0
        foreach ($e in $es) {
            $e.Input | Should -BeExactly $lines[$e.InputIndex]
            $e.SourceFile | Should -BeNullOrEmpty
        }
    }

    It 'a missing file and a folder are errors naming them, and the other files are still tagged' {
        $missing = Join-Path $dir 'missing.txt'
        $es = @(Get-NerEntity -LiteralPath $missing, $dir.FullName, $other -Model $tiny -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 2
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -Match ([regex]::Escape($missing))
        $problems[1].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[1].Exception.Message | Should -Match 'folder'
        $es.Count | Should -BeGreaterThan 0
        foreach ($e in $es) { $e.SourceFile | Should -Be $other }
        { Get-Item $dir | Get-NerEntity -Model $tiny -ErrorAction Stop } | Should -Throw '*folder*'
    }
}

Describe 'The entity table and the caller''s Id (16.9)' {
    It 'every column of the table is named after the property it shows, so Where-Object finds what the table shows' {
        $e = [BertNer.Inference.NerEntity]@{ Type = 'LOC'; Text = 'Paris'; Start = 19; End = 24; Score = 0.5; InputIndex = 2; Input = 'John Smith visited Paris.' }
        $lines = @(($e | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() })
        $names = -split $lines[0]
        $cells = -split $lines[2]
        $names.Count | Should -Be $cells.Count
        for ($i = 0; $i -lt $names.Count; $i++) {
            if ($names[$i] -eq 'Score') { continue } # shown rounded
            @($e | Where-Object $names[$i] -eq $cells[$i]).Count | Should -Be 1 -Because "column '$($names[$i])' shows '$($cells[$i])'"
        }
    }

    It 'an Id property of the input objects is carried onto their entities (help example 4)' {
        $inputs = @(
            [pscustomobject]@{ Id = 'T-1'; Text = $sentence }
            $sentence # a plain string has no Id
            [pscustomobject]@{ Id = 7; Text = $sentence }
        )
        $es = @($inputs | Get-NerEntity -Model $tiny)
        @($es | Select-Object -ExpandProperty InputIndex -Unique) | Should -Be @(0, 1, 2)
        foreach ($e in $es) {
            switch ($e.InputIndex) {
                0 { $e.Id | Should -BeExactly 'T-1' }
                1 { $e.Id | Should -BeNullOrEmpty -Because 'an input without Id does not keep the Id of the one before' }
                2 { $e.Id | Should -Be 7; $e.Id | Should -BeOfType [int] }
            }
        }
    }

    It 'Import-Csv rows with Id and Text columns keep their Id, and -Id names texts given with -Text' {
        $csv = Join-Path $TestDrive 'tickets.csv'
        @([pscustomobject]@{ Id = 'A'; Text = $sentence }, [pscustomobject]@{ Id = 'B'; Text = "berlin $sentence" }) | Export-Csv $csv
        $es = @(Import-Csv $csv | Get-NerEntity -Model $tiny)
        ($es | ForEach-Object { "$($_.InputIndex)$($_.Id)" } | Select-Object -Unique) | Should -Be @('0A', '1B')
        $es = @(Get-NerEntity -Text $sentence, $sentence -Id doc-9 -Model $tiny)
        $es.Count | Should -BeGreaterThan 0
        foreach ($e in $es) { $e.Id | Should -Be 'doc-9' }
    }
}

Describe 'Progress and verbose lines on long inputs (16.10)' {
    BeforeAll {
        $script:texts = 1..600 | ForEach-Object { "$sentence $_" }
    }

    It '600 texts with -Verbose: the model, each window of texts and the totals' {
        $verbose = @($texts | Get-NerEntity -Model $tinyPath -Device Cpu -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
        $verbose[0].Message | Should -Match 'tiny'
        # 600 texts in windows of 8 batches of 32: texts 1–256, 257–512, 513–600.
        @($verbose | Where-Object Message -match '^Texts \d').Count | Should -Be 3
        $verbose | Where-Object Message -match '^Texts 513.600:' | Should -Not -BeNullOrEmpty
        $verbose[-1].Message | Should -Match '^Tagged 600 texts'
    }

    It 'progress counts the texts done from the pipeline, and shows the share done when the texts are given with -Text' {
        $run = Start-Isolated 'param($Texts, $Model) $Texts | Get-NerEntity -Model $Model -Device Cpu | Out-Null' @{ Texts = $texts; Model = $tinyPath }
        $run.PowerShell.EndInvoke($run.Async)
        $records = @($run.PowerShell.Streams.Progress)
        $run.PowerShell.Dispose()
        $records | Where-Object StatusDescription -eq '600 texts' | Should -Not -BeNullOrEmpty
        $records[-1].RecordType | Should -Be 'Completed'

        $run = Start-Isolated 'param($Texts, $Model) Get-NerEntity -Text $Texts -Model $Model -Device Cpu | Out-Null' @{ Texts = $texts; Model = $tinyPath }
        $run.PowerShell.EndInvoke($run.Async)
        $records = @($run.PowerShell.Streams.Progress)
        $run.PowerShell.Dispose()
        $records | Where-Object StatusDescription -eq '256/600 texts' | Should -Not -BeNullOrEmpty
        $shares = @($records | Where-Object RecordType -eq Processing | Select-Object -ExpandProperty PercentComplete)
        $shares | Should -Not -Contain -1
        $shares[-1] | Should -Be 100
        ($shares | Sort-Object) | Should -Be $shares -Because 'the share done only grows'
    }
}
