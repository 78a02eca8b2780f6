# Get-Help for every exported cmdlet, as users read it: written help (docs/help/*.md turned into MAML by
# src/Build/MarkdownHelp.ps1 at staging) that matches the cmdlets' real parameters, and the about_BertNer topic.
BeforeDiscovery {
    Import-Module $env:BERTNER_MODULE -Force
    $script:cmdlets = @((Get-Module BertNer).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $env:BERTNER_REPO 'src/Build/MarkdownHelp.ps1')
    $script:helpFolder = Join-Path $env:BERTNER_REPO 'docs/help'
    $script:common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $Name -Full
        $script:command = Get-Command $Name
        $script:parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
    }

    It 'has a synopsis of its own' {
        # Without help, PowerShell makes the synopsis from the syntax ("Get-NerEntity [-Text] <string[]> ...").
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ([regex]::Escape($Name))
        $help.Synopsis | Should -Not -Match '\[-\w+'
    }

    It 'links only to addresses that exist (no placeholder; Get-Help -Online names the missing URI instead of opening a dead page)' {
        # There is no public help site: related links name topics, and any address given must be a real https URL.
        foreach ($link in @($help.relatedLinks.navigationLink)) {
            if ($link.uri) { $link.uri | Should -Match '^https://' ; $link.uri | Should -Not -Match 'example\.(invalid|com|org)' }
        }
        { Get-Help $Name -Online -ErrorAction Stop } | Should -Throw -ExpectedMessage '*URI*'
    }

    It 'has a description' {
        ($help.description.Text -join "`n").Trim().Length | Should -BeGreaterThan 80
    }

    It 'describes every parameter' {
        foreach ($p in $parameters) {
            $text = (Get-Help $Name -Parameter $p).description.Text -join ' '
            $text.Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }

    It 'documents exactly the parameters the cmdlet has (none missing, none stale)' {
        $markdown = Read-MarkdownHelp (Join-Path $helpFolder "$Name.md")
        $markdown.Name | Should -Be $Name
        Compare-HelpParameter $markdown $command | Should -BeNullOrEmpty
        @($help.parameters.parameter.name | Where-Object { $_ -notin 'WhatIf', 'Confirm' }) | Sort-Object | Should -Be ($parameters | Sort-Object)
    }

    It 'shows the real syntax: one line per parameter set, with the real types' {
        @($help.syntax.syntaxItem).Count | Should -Be $command.ParameterSets.Count
        foreach ($p in $parameters) {
            $shown = @($help.parameters.parameter | Where-Object name -eq $p)[0].type.name
            $real = $command.Parameters[$p].ParameterType
            if ($real.IsGenericType) { $real = $real.GetGenericArguments()[0] }
            $shown | Should -Be $(if ($real.IsArray) { $real.GetElementType().Name + '[]' } else { $real.Name }) -Because "-$p is a $real"
        }
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $uses = (@($Name) + @(Get-Alias -Definition $Name -ErrorAction Ignore | ForEach-Object Name) | ForEach-Object { [regex]::Escape($_) }) -join '|'
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.code | Should -Not -BeNullOrEmpty
            ($e.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "$($e.title) needs an explanation"
            $e.code | Should -Match $uses -Because "$($e.title) should use the cmdlet"
        }
    }

    It 'names its input and output types' {
        @($help.inputTypes.inputType.type.name | Where-Object { $_ }).Count | Should -BeGreaterThan 0
        @($help.returnValues.returnValue.type.name | Where-Object { $_ }).Count | Should -BeGreaterThan 0
    }
}

Describe 'Help topics and sources' {
    It 'Get-Help Get-NerEntities -Examples shows the examples (the alias)' {
        $text = Get-Help Get-NerEntities -Examples | Out-String -Width 200
        $text | Should -Match 'Example 1: Tag one sentence'
        $text | Should -Match 'Get-NerEntities -Text ''Angela Merkel visited Paris\.'''
        $text | Should -Not -Match 'PARAMETERS'
    }

    It 'Get-Help about_BertNer shows the workflow, the run folder, resuming and hub ids' {
        $text = Get-Help about_BertNer | Out-String
        $text | Should -Match 'about_BertNer'
        foreach ($section in 'THE WORKFLOW', 'THE RUN FOLDER', 'RESUMING A RUN', 'HUB IDS AND THE CACHE', 'THE TRAINING CONFIG \(YAML KEYS\)') {
            $text | Should -Match "(?m)^$section" -Because "about_BertNer needs a '$section' section"
        }
    }

    It 'documents every YAML key of the training config, and no other' {
        $text = Get-Content (Join-Path (Split-Path $env:BERTNER_MODULE) 'en-US/about_BertNer.help.txt') -Raw
        $section = [regex]::Match($text, '(?ms)^THE TRAINING CONFIG \(YAML KEYS\)\s*$(.*?)^\S').Groups[1].Value
        $documented = @([regex]::Matches($section, '(?m)^    (\w+):') | ForEach-Object { $_.Groups[1].Value })
        $keys = @([BertNer.Training.TrainingOptionKeys]::All | ForEach-Object Name)
        $keys | Where-Object { $_ -notin $documented } | Should -BeNullOrEmpty -Because 'every key needs an entry'
        $documented | Where-Object { $_ -notin $keys } | Should -BeNullOrEmpty -Because 'an entry for a key that does not exist misleads'
        $documented | Should -Be $keys -Because 'the order follows New-BertNerTrainingConfig'
    }

    It 'has one Markdown file per exported cmdlet and none for cmdlets that do not exist' {
        $files = Get-ChildItem $helpFolder -Filter '*.md' | ForEach-Object BaseName | Sort-Object
        $files | Should -Be @((Get-Module BertNer).ExportedCmdlets.Keys | Sort-Object)
    }

    It 'the converter reports a missing and a stale parameter, naming the file' {
        $md = Join-Path $TestDrive 'Measure-Conll.md'
        (Get-Content (Join-Path $helpFolder 'Measure-Conll.md') -Raw) -replace '### -InputObject', '### -InputObjects' | Set-Content $md
        $problems = @(Compare-HelpParameter (Read-MarkdownHelp $md) (Get-Command Measure-Conll))
        $problems.Count | Should -Be 2
        $problems[0] | Should -Match 'Measure-Conll\.md: -InputObject of Measure-Conll is not documented'
        $problems[1] | Should -Match 'Measure-Conll\.md:\d+: -InputObjects is documented but Measure-Conll has no such parameter'
    }

    It 'the converter refuses an example without code' {
        $md = Join-Path $TestDrive 'Export-Conll.md'
        (Get-Content (Join-Path $helpFolder 'Export-Conll.md') -Raw) -replace '(?s)(### Example 2[^\n]*\n)```powershell.*?```', '$1' | Set-Content $md
        { Read-MarkdownHelp $md } | Should -Throw -ExpectedMessage "*Export-Conll.md:*'Example 2*needs a closed fenced code block*"
    }
}

Describe 'Module manifest' {
    It 'carries no placeholder address (the Gallery and Get-Help would show it)' {
        $manifest = Import-PowerShellDataFile (Join-Path $env:BERTNER_REPO 'BertNer.psd1')
        foreach ($key in 'ProjectUri', 'LicenseUri', 'IconUri', 'HelpInfoURI') {
            $value = $manifest.PrivateData.PSData[$key] ?? $manifest[$key]
            if ($value) { $value | Should -Not -Match 'example\.(invalid|com|org)|localhost' -Because "$key is shown to users" }
        }
    }
}
