# ConvertTo-NerHtml on entity objects as Get-NerEntity makes them (built here, so no model is needed; Pictures.Tests.ps1
# runs it on a trained model's output and in a browser).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force

    function script:NewEntity([string] $Source, [string] $Text, [string] $Type, [int] $Index = 0, [double] $Score = 0.9) {
        $start = $Source.IndexOf($Text)
        [BertNer.Inference.NerEntity]@{ Type = $Type; Text = $Text; Start = $start; End = $start + $Text.Length; Score = $Score; InputIndex = $Index; Input = $Source }
    }

    $script:texts = 'Angela Merkel visited Paris.', 'Nothing to see here.', 'John <Smith> & co. met in "London".'
    $script:entities = @(
        NewEntity $texts[0] 'Angela Merkel' 'PER' 0
        NewEntity $texts[0] 'Paris' 'LOC' 0
        NewEntity $texts[2] 'John <Smith>' 'PER' 2
        NewEntity $texts[2] 'London' 'LOC' 2
    )
}

Describe 'ConvertTo-NerHtml' {
    It 'returns one HTML page with each entity in a mark labelled with its type' {
        $html = $entities | ConvertTo-NerHtml
        $html | Should -BeOfType [string]
        @($html).Count | Should -Be 1
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Match '<mark class="entity" style="background: #aa9cfc" title="PER, score 0\.900, characters 0\.\.13">Angela Merkel<span class="label">PER</span></mark>'
        $html | Should -Match '>Paris<span class="label">LOC</span></mark>'
        $html | Should -Match '<title>Named entities</title>'
        $html | Should -Not -Match 'Nothing to see here'   # without -Text, texts without entities cannot show
    }

    It 'keeps each entity chip whole: a mark is an inline block, so a line breaks around it, never inside it' {
        # Before, "Elon | Musk PER" could break at the end of a line: the mark was inline, wrapping at its spaces.
        # Pictures.Tests.ps1 checks this in a browser at many widths.
        $html = $entities | ConvertTo-NerHtml
        $rule = [regex]::Match($html, 'mark\.entity\s*\{([^}]*)\}')
        $rule.Success | Should -BeTrue
        $rule.Groups[1].Value | Should -Match '(^|;)\s*display:\s*inline-block\s*(;|$)'
        $html | Should -Not -Match 'box-decoration-break'   # nothing left that styles a mark broken over lines
    }

    It 'escapes the texts' {
        $html = $entities | ConvertTo-NerHtml
        $html | Should -Match '>John &lt;Smith&gt;<span class="label">PER</span></mark> &amp; co\. met in &quot;<mark '
        $html | Should -Not -Match '<Smith>'
    }

    It 'shows every text given with -Text, also those without entities, in order' {
        $html = $entities | ConvertTo-NerHtml -Text $texts -Title 'Three <texts>'
        $html | Should -Match 'Nothing to see here\.<span class="empty">no entities</span>'
        $html | Should -Match '<title>Three &lt;texts&gt;</title>'
        $html | Should -Match '3 texts, 4 entities'
        $order = 'Angela', 'Nothing to see', 'John' | ForEach-Object { $html.IndexOf($_) }
        $order | Should -Be ($order | Sort-Object)
        # No entities at all, only texts: still a page.
        (ConvertTo-NerHtml -Text 'Just text.') | Should -Match 'Just text\.<span class="empty">no entities</span>'
    }

    It 'takes entities that went through serialization or Select-Object' {
        $copies = $entities | Select-Object Type, Text, Start, End, Score, InputIndex, Input
        ($copies | ConvertTo-NerHtml) | Should -Be ($entities | ConvertTo-NerHtml)
        $clixml = Join-Path $TestDrive 'entities.xml'
        $entities | Export-Clixml $clixml
        (Import-Clixml $clixml | ConvertTo-NerHtml) | Should -Be ($entities | ConvertTo-NerHtml)
    }

    It 'writes a file atomically with -Path, and replaces it only with -Force' {
        $path = Join-Path $TestDrive 'page.html'
        $file = $entities | ConvertTo-NerHtml -Path $path
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $path
        (Get-Content $path -Raw) | Should -Be ($entities | ConvertTo-NerHtml)
        { $entities | ConvertTo-NerHtml -Path $path -ErrorAction Stop } | Should -Throw -ExpectedMessage "*already exists. Use -Force*"
        $entities[0] | ConvertTo-NerHtml -Path $path -Force | Out-Null
        (Get-Content $path -Raw) | Should -Not -Match '>Paris<span'
        Get-ChildItem $TestDrive -Force -Filter '*.tmp' | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.html'
        $entities | ConvertTo-NerHtml -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'reports a string in the pipeline as an error that points to -Text, and goes on' {
        $html = 'Angela Merkel visited Paris.', $entities[1] | ConvertTo-NerHtml -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -Match 'got the string "Angela Merkel visited Paris\."\. Pass texts without entities with -Text\.'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $html | Should -Match '>Paris<span class="label">LOC</span>'
    }

    It 'stops on overlapping entities, naming them' {
        $overlap = (NewEntity $texts[0] 'Angela Merkel' 'PER'), (NewEntity $texts[0] 'Merkel' 'LOC')
        { $overlap | ConvertTo-NerHtml -ErrorAction Stop } | Should -Throw -ExpectedMessage "*'Merkel' ``[7..13)*overlap*"
    }

    It 'warns when there is nothing to show' {
        $html = @() | ConvertTo-NerHtml -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -Match 'No entities came down the pipeline.*-Text'
        $html | Should -Match 'No texts\.'
    }
}
