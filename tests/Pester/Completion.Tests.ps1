# Tab completion as users get it (TabExpansion2): -Model offers run checkpoints, model folders and cached hub models;
# -Device, -AggregationStrategy and the other closed sets offer their values.
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force

    function script:Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }

    function script:NewModelFolder([string] $Path) {
        New-Item -ItemType Directory $Path -Force | Out-Null
        '{}' | Set-Content (Join-Path $Path 'config.json')
    }

    # A working folder with two runs, a plain model folder and folders that hold no model.
    $script:work = Join-Path $TestDrive 'work'
    $run = Join-Path $work 'runs/ner'
    foreach ($c in 'best', 'last', 'epoch-1', 'epoch-2', 'epoch-10') { NewModelFolder (Join-Path $run $c) }
    '{}' | Set-Content (Join-Path $run 'metrics.jsonl')
    '{}' | Set-Content (Join-Path $run 'last/trainer_state.json')
    $stopped = Join-Path $work 'runs/stopped'   # interrupted in its first epoch: only last/ exists
    NewModelFolder (Join-Path $stopped 'last')
    '{}' | Set-Content (Join-Path $stopped 'last/trainer_state.json')
    NewModelFolder (Join-Path $work 'models/plain')
    NewModelFolder (Join-Path $work 'my models/spaced')
    New-Item -ItemType Directory (Join-Path $work 'data/empty') -Force | Out-Null
    NewModelFolder (Join-Path $work '.hidden/model')

    # A Hugging Face cache of our own (never the machine's).
    $script:savedCache = $env:HF_HUB_CACHE
    $env:HF_HUB_CACHE = Join-Path $TestDrive 'hub'
    New-Item -ItemType Directory (Join-Path $env:HF_HUB_CACHE "models--dslim--bert-base-NER/snapshots/$('a' * 40)") -Force | Out-Null
    New-Item -ItemType Directory (Join-Path $env:HF_HUB_CACHE "models--bert-base-cased/snapshots/$('b' * 40)") -Force | Out-Null
    New-Item -ItemType Directory (Join-Path $env:HF_HUB_CACHE 'models--org--unfinished/blobs') -Force | Out-Null

    Push-Location $work
}

AfterAll {
    Pop-Location
    $env:HF_HUB_CACHE = $savedCache
}

Describe '-Model completion' {
    It 'offers the checkpoints of runs, model folders and cached hub models, in that order' {
        $sep = [IO.Path]::DirectorySeparatorChar
        $texts = (Complete 'Get-NerEntity -Model ').CompletionText
        $expected = @(
            "runs${sep}ner${sep}best", "runs${sep}ner${sep}last", "runs${sep}ner${sep}epoch-1", "runs${sep}ner${sep}epoch-2", "runs${sep}ner${sep}epoch-10"
            "runs${sep}stopped${sep}last"
            "models${sep}plain", "'my models${sep}spaced'"
            'bert-base-cased', 'dslim/bert-base-NER'
        )
        $texts | Should -Be $expected
        $texts | Should -Not -Contain "data${sep}empty"
        $texts | Where-Object { $_ -match 'hidden|unfinished' } | Should -BeNullOrEmpty
    }

    It 'narrows to what was typed, including inside a folder and by hub organisation' {
        (Complete 'Get-NerEntity -Model runs/ner/e').CompletionText | Should -Be @('runs/ner/epoch-1', 'runs/ner/epoch-2', 'runs/ner/epoch-10')
        (Complete 'Get-NerEntity -Model runs/ner/').CompletionText | Should -Be @('runs/ner/best', 'runs/ner/last', 'runs/ner/epoch-1', 'runs/ner/epoch-2', 'runs/ner/epoch-10')
        (Complete 'Get-NerEntity -Model dslim/').CompletionText | Should -Be @('dslim/bert-base-NER')
        (Complete 'Get-NerEntity -Model BERT').CompletionText | Should -Be @('bert-base-cased')
        (Complete 'Get-NerEntity -Model nothing-like-this') | Should -BeNullOrEmpty
    }

    It 'follows the PowerShell location, not the process folder' {
        Push-Location (Join-Path $work 'runs')
        try {
            (Complete 'Measure-BertNerModel -Model ner/b').CompletionText | Should -Be @('ner/best')
            (Complete 'Measure-BertNerModel -Model ../models/').CompletionText | Should -Be @('../models/plain')
        }
        finally { Pop-Location }
    }

    It 'quotes paths with spaces, and keeps a quote the user started' {
        $sep = [IO.Path]::DirectorySeparatorChar
        $m = Complete 'Get-NerEntity -Model my'
        $m.CompletionText | Should -Be @("'my models${sep}spaced'")
        $m.ListItemText | Should -Be @("my models${sep}spaced")
        (Complete "Get-NerEntity -Model 'runs/ner/b").CompletionText | Should -Be @("'runs/ner/best'")
    }

    It 'says what each suggestion is' {
        $m = Complete 'Get-NerEntity -Model '
        ($m | Where-Object CompletionText -like '*best').ToolTip | Should -Match '^best checkpoint of the run .*ner$'
        ($m | Where-Object CompletionText -eq 'bert-base-cased').ToolTip | Should -Match 'Hugging Face model in the cache'
        ($m | Where-Object CompletionText -like '*best').ResultType | Should -Be 'ProviderContainer'
    }

    It 'works on every cmdlet that takes a model: <Line>' -ForEach @(
        @{ Line = 'Import-BertNerModel runs/ner/b' }
        @{ Line = 'Import-BertNerModel -Path runs/ner/b' }
        @{ Line = 'Measure-BertNerModel runs/ner/b' }
        @{ Line = 'Start-BertNerTraining runs/ner/b' }
        @{ Line = 'Start-BertNerTraining -Model runs/ner/b' }
        @{ Line = 'New-BertNerTrainingConfig x.yaml -Model runs/ner/b' }
        @{ Line = 'Get-NerEntities -Model runs/ner/b' }
    ) {
        (Complete $Line).CompletionText | Should -Be @('runs/ner/best')
    }

    It 'offers only cached hub ids to Save-BertNerPretrainedModel' {
        (Complete 'Save-BertNerPretrainedModel ').CompletionText | Should -Be @('bert-base-cased', 'dslim/bert-base-NER')
        (Complete 'Save-BertNerPretrainedModel -Name ds').CompletionText | Should -Be @('dslim/bert-base-NER')
    }
}

Describe 'Completion of closed sets of values' {
    It '-AggregationStrategy offers the strategies' {
        (Complete 'Get-NerEntity -AggregationStrategy ').CompletionText | Should -Be @('Average', 'First', 'Max', 'None', 'Simple')
        (Complete 'Get-NerEntity -AggregationStrategy Av').CompletionText | Should -Be @('Average')
    }

    It '-Device offers Auto, Cpu and Cuda on <Command>' -ForEach @(
        @{ Command = 'Get-NerEntity' }, @{ Command = 'Measure-BertNerModel' }, @{ Command = 'Import-BertNerModel' }, @{ Command = 'Start-BertNerTraining' }
    ) {
        (Complete "$Command -Device ").CompletionText | Should -Be @('Auto', 'Cpu', 'Cuda')
    }

    It 'Import-Conll -Scheme offers the tag schemes' {
        (Complete 'Import-Conll x.txt -Scheme ').CompletionText | Should -Be @('Auto', 'BIOES', 'IOB1', 'IOB2')
    }
}
