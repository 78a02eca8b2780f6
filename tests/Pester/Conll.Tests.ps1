# Import-Conll, Export-Conll and Measure-Conll on the staged module ($env:BERTNER_MODULE).
BeforeDiscovery {
    $script:hasData = Test-Path (Join-Path $env:BERTNER_REPO '../shared/data/conll2003/valid.txt')
    if (-not $hasData) { Write-Warning '../shared is absent: tests that need CoNLL-2003 are skipped.' }
}

BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    $script:valid = Join-Path $env:BERTNER_REPO '../shared/data/conll2003/valid.txt'

    function New-ConllFile([string] $Name, [string[]] $Lines) {
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllText($path, ($Lines -join "`n") + "`n")
        $path
    }

    $script:first = New-ConllFile 'part1.conll' @('EU I-ORG', 'rejects O', '', '', 'Peter I-PER', 'Blackburn I-PER')
    $script:second = New-ConllFile 'part2.conll' @('-DOCSTART- O', '', 'Paris B-LOC')
    # Sentence 1 has a bad tag (line 3), sentence 2 a line with three columns (line 7); 0 and 3 are fine.
    $script:bad = New-ConllFile 'bad.txt' @('a O', '', 'b X-PER', 'c O', '', 'd O', 'e O O', '', 'f B-LOC')
}

Describe 'Import-Conll' {
    It 'expands wildcards and streams sentences with IOB2 labels and where they came from' {
        $s = Import-Conll (Join-Path $TestDrive 'part*.conll')
        $s.Count | Should -Be 3
        $s[0] | Should -BeOfType ([BertNer.Data.NerSentence])
        $s[0].Labels | Should -Be @('B-ORG', 'O')
        $s[1].Labels | Should -Be @('B-PER', 'I-PER')
        $s[1].Line | Should -Be 5
        $s[1].SentenceIndex | Should -Be 1
        $s.SourceFile | Select-Object -Unique | Should -Be @($first, $second)
    }

    It 'takes paths, Get-ChildItem output and plain FileInfo objects from the pipeline' {
        ($first, $second | Import-Conll).Count | Should -Be 3
        (Get-ChildItem $TestDrive -Filter 'part*.conll' | Import-Conll).Count | Should -Be 3
        ([IO.FileInfo]::new($second) | Import-Conll).Text | Should -Be 'Paris'
    }

    It 'reads a name with wildcard characters as it is with -LiteralPath' {
        $odd = New-ConllFile 'odd[1].txt' @('Zoë B-PER')
        (Import-Conll -LiteralPath $odd).Tokens | Should -Be 'Zoë'
    }

    It 'reads the columns and the scheme it is told to' {
        $path = New-ConllFile 'cols.txt' @('1 Angela S-PER x', '2 visited O x', '3 New B-LOC x', '4 York E-LOC x')
        $s = Import-Conll $path -TokenColumn 1 -LabelColumn 2 -Scheme BIOES
        $s.Tokens | Should -Be @('Angela', 'visited', 'New', 'York')
        $s.Labels | Should -Be @('B-PER', 'O', 'B-LOC', 'I-LOC')
    }

    It 'says which scheme it detected, and why, with -Verbose' {
        $v = Import-Conll $first -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $v.Message | Should -BeLike '*IOB1 (detected: I-ORG starts an entity at line 1)*'
    }

    It 'reports a path that matches nothing' {
        $err = $null
        Import-Conll (Join-Path $TestDrive 'nothing*.conll') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -BeLike "No file matches*nothing*.conll*"
    }
}

Describe 'Import-Conll errors' {
    It 'stops at the first bad sentence by default, with a terminating InvalidData error naming file:line' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $err = {
            $ErrorActionPreference = 'Continue'   # the default, so only a terminating error throws here
            Import-Conll $bad | ForEach-Object { $seen.Add($_) }
        } | Should -Throw -PassThru
        $err.TargetObject | Should -Be "${bad}:3"
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.FullyQualifiedErrorId | Should -BeLike 'BertNer.InvalidData*'
        $err.Exception.Message | Should -BeLike "${bad}:3: 'X-PER' is not a tag; expected O, or B- or I- *"
        $seen.Text | Should -Be @('a')
    }

    It 'writes one non-terminating error per bad sentence and goes on under -ErrorAction SilentlyContinue' {
        $Error.Clear()
        $out = Import-Conll $bad -ErrorAction SilentlyContinue -ErrorVariable ev
        $out.Text | Should -Be @('a', 'f')
        $out.SentenceIndex | Should -Be @(0, 3)
        $ev.Count | Should -Be 2
        $ev.TargetObject | Should -Be @("${bad}:3", "${bad}:7")
        $ev[1].Exception.Message | Should -BeLike "${bad}:7: found 3 column(s), expected 2 *"
        $ev | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'InvalidData' }
        $Error.Count | Should -Be 2
    }

    It 'also goes on under -ErrorAction Continue, showing each error' {
        $all = Import-Conll $bad -ErrorAction Continue 2>&1
        ($all | Where-Object { $_ -is [BertNer.Data.NerSentence] }).Text | Should -Be @('a', 'f')
        ($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).TargetObject | Should -Be @("${bad}:3", "${bad}:7")
    }

    It 'goes on when $ErrorActionPreference is SilentlyContinue' {
        $out = & { $ErrorActionPreference = 'SilentlyContinue'; Import-Conll $bad -ErrorVariable ev2; $ev2.Count }
        $out[0..1].Text | Should -Be @('a', 'f')
        $out[-1] | Should -Be 2
    }

    It 'warns when a file gives no sentences: empty, or only blank and -DOCSTART- lines' {
        $empty = New-ConllFile 'empty.txt' @()
        [IO.File]::WriteAllText($empty, '')
        $docOnly = New-ConllFile 'doc-only.txt' @('-DOCSTART- O', '', '')
        $out = Import-Conll $empty, $docOnly, $second -WarningVariable w -WarningAction SilentlyContinue
        $out.Text | Should -Be 'Paris'
        $w.Count | Should -Be 2
        $w[0].Message | Should -Be "'$empty' is empty (0 bytes), so it gave no sentences. Check that the path names the CoNLL file you meant."
        $w[1].Message | Should -BeLike "'$docOnly' has no token lines (only blank or -DOCSTART- lines)*"
        # A file whose sentences were all bad has its errors, not this warning as well.
        Import-Conll (New-ConllFile 'all-bad.txt' @('a X-PER')) -ErrorAction SilentlyContinue -WarningVariable w2 -WarningAction SilentlyContinue
        $w2 | Should -BeNullOrEmpty
    }

    It 'says which column holds the tags and suggests -LabelColumn when the last column of a wide file has none' {
        # Six columns: token, POS, chunk, NER, a number and a Y/N flag (the default label column, the last).
        $six = New-ConllFile 'six.txt' @('EU NNP B-NP B-ORG 1 Y', 'rejects VBZ B-VP O 2 N', '', 'Peter NNP B-NP B-PER 1 Y')
        $err = { Import-Conll $six -ErrorAction Stop } | Should -Throw -PassThru
        $err.TargetObject | Should -Be "${six}:1"
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $shown = $err.ToString()   # what the console shows
        $shown | Should -BeLike "${six}:1: 'Y' is not a tag; expected O, *"
        $shown | Should -BeLike '*read from column 5, the last of 6 (counting from 0), but columns 2 (NP, VP) and 3 (ORG, PER) hold tags on every line*'
        $shown | Should -BeLike '*Read them with -LabelColumn 2 or -LabelColumn 3.'
        (Import-Conll $six -LabelColumn 3).Labels | Should -Be @('B-ORG', 'O', 'B-PER')

        $one = New-ConllFile 'one-tag-column.txt' @('EU 1 B-ORG Y', 'rejects 2 O N')
        ({ Import-Conll $one -ErrorAction Stop } | Should -Throw -PassThru).ToString() | Should -BeLike '*column 2 (ORG) holds tags on every line; the labels are probably there. Read them with -LabelColumn 2.'
        $none = New-ConllFile 'no-tag-column.txt' @('EU 1 Y', 'rejects 2 N')
        ({ Import-Conll $none -ErrorAction Stop } | Should -Throw -PassThru).ToString() | Should -BeLike '*no other column holds tags on every line. If the labels are in another column, give its number (from 0) with -LabelColumn.'
    }

    It 'throws a catchable error under -ErrorAction Stop' {
        try { Import-Conll $bad -ErrorAction Stop; $caught = $null } catch { $caught = $_ }
        $caught.TargetObject | Should -Be "${bad}:3"
    }
}

Describe 'Export-Conll' {
    It 'writes what Import-Conll reads back identically, one document per source document' {
        $out = Join-Path $TestDrive 'roundtrip.txt'
        $in = Import-Conll $first, $second
        $in | Export-Conll -Path $out
        Get-Content $out -Raw | Should -Be "-DOCSTART- O`n`nEU B-ORG`nrejects O`n`nPeter B-PER`nBlackburn I-PER`n`n-DOCSTART- O`n`nParis B-LOC`n`n"
        $back = Import-Conll $out
        $back.Count | Should -Be $in.Count
        for ($i = 0; $i -lt $in.Count; $i++) {
            $back[$i].Tokens | Should -Be $in[$i].Tokens
            $back[$i].Labels | Should -Be $in[$i].Labels
        }
        # Both inputs had a document 0; in the one output file they are documents 0 and 1.
        $in.DocumentIndex | Should -Be @(0, 0, 0)
        $back.DocumentIndex | Should -Be @(0, 0, 1)
    }

    It 'round-trips the validation split' -Skip:(-not $hasData) {
        $out = Join-Path $TestDrive 'valid.iob2.txt'
        Import-Conll $valid | Export-Conll $out
        (Import-Conll $out | Measure-Conll).ToString() | Should -Be (Import-Conll $valid | Measure-Conll).ToString()
    }

    It 'writes predictions as a third column and leaves out -DOCSTART- with -NoDocStart' {
        $s = Import-Conll $first | Select-Object -First 1
        $s.PredictedLabels = [string[]]@('B-ORG', 'B-MISC')
        $out = Join-Path $TestDrive 'pred.txt'
        $s | Export-Conll $out -NoDocStart
        Get-Content $out | Should -Be @('EU B-ORG B-ORG', 'rejects O B-MISC', '')
    }

    It 'refuses to replace an existing file without -Force, and replaces it with -Force' {
        $out = Join-Path $TestDrive 'exists.txt'
        Set-Content $out 'keep me'
        $err = { Import-Conll $first | Export-Conll $out } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -BeLike '*already exists. Use -Force*'
        Get-Content $out | Should -Be 'keep me'
        Import-Conll $first | Export-Conll $out -Force
        (Import-Conll $out).Count | Should -Be 2
    }

    It 'leaves no file behind when a sentence cannot be written' {
        $out = Join-Path $TestDrive 'partial.txt'
        $s = @(Import-Conll $first)
        $s[1].PredictedLabels = [string[]]@('O', 'O')
        $err = { $s | Export-Conll $out } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*has predicted labels, but the first sentence written had none*'
        Test-Path $out | Should -BeFalse
        Get-ChildItem $TestDrive -Force -Filter '.partial.txt*' | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $out = Join-Path $TestDrive 'whatif.txt'
        Import-Conll $first | Export-Conll $out -WhatIf
        Test-Path $out | Should -BeFalse
    }
}

Describe 'Measure-Conll' {
    It 'summarises the validation split as its README does' -Skip:(-not $hasData) {
        $m = Import-Conll $valid | Measure-Conll
        $m | Should -BeOfType ([BertNer.Data.DatasetSummary])
        $m.Sentences | Should -Be 3250
        $m.Tokens | Should -Be 51362
        $m.Documents | Should -Be 216
        $m.Entities.PER | Should -Be 1842
        $m.Entities.LOC | Should -Be 1837
        $m.Entities.ORG | Should -Be 1341
        $m.Entities.MISC | Should -Be 922
        $m.EntitySummary | Should -Be 'LOC 1,837, MISC 922, ORG 1,341, PER 1,842'
        $m.Labels | Should -Be @('O', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER')
    }

    It 'counts small files without ../shared, documents per file' {
        $m = Import-Conll $first, $second | Measure-Conll
        $m.Sentences | Should -Be 3
        $m.Tokens | Should -Be 5
        $m.Documents | Should -Be 2
        $m.Entities.Keys | Should -Be @('LOC', 'ORG', 'PER')
        $m.Files | Should -Be @($first, $second)
    }
}
