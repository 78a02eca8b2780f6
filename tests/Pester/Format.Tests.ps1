# The default views (module/BertNer.Format.ps1xml) read well in an 80-column terminal: no line is longer, and no
# column is dropped to make it fit (PowerShell silently drops table columns that do not fit).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')

    function script:Render($InputObject, [switch] $List) {
        $text = if ($List) { $InputObject | Format-List | Out-String -Width 80 } else { $InputObject | Out-String -Width 80 }
        $text -split '\r?\n'
    }

    function script:LongerThan80([string[]] $Lines) { $Lines | Where-Object { $_.Length -gt 80 } }

    $script:sentence = [BertNer.Data.NerSentence]::new(
        [string[]]('The', 'European', 'Commission', 'said', 'on', 'Thursday', 'it', 'disagreed', 'with', 'German', 'advice', 'to', 'consumers'),
        [string[]]('O', 'B-ORG', 'I-ORG', 'O', 'O', 'O', 'O', 'O', 'O', 'B-MISC', 'O', 'O', 'O'))
    $text = 'The spokesman of the European Commission for Agriculture, Fisheries and Food, Gerard Kiely, spoke.'
    $script:entities = @(
        [BertNer.Inference.NerEntity]@{ Type = 'ORG'; Text = 'European Commission for Agriculture, Fisheries and Food'; Start = 21; End = 76; Score = 0.97312; InputIndex = 12345; Input = $text }
        [BertNer.Inference.NerEntity]@{ Type = 'PER'; Text = 'Gerard Kiely'; Start = 78; End = 90; Score = 0.5; InputIndex = 12345; Input = $text }
    )
    $script:epochs = @(
        [BertNer.Training.NerEpochResult]@{ Epoch = 1; Step = 1756; TrainingLoss = 0.2412; ValidationLoss = 0.0731; Precision = 0.9012; Recall = 0.9187; F1 = 0.9099; Accuracy = 0.9811; Duration = [timespan]::FromMinutes(83) }
        [BertNer.Training.NerEpochResult]@{ Epoch = 10; Step = 175600; TrainingLoss = 0.0101; Duration = [timespan]::FromHours(23.5) }
    )
    # Gold and predicted labels with several types, one of them longer than the type column.
    $gold = [BertNer.Data.NerSentence]::new([string[]]('a', 'b', 'c', 'd', 'e'), [string[]]('B-PER', 'I-PER', 'B-WORK_OF_ART_AND_MORE', 'B-LOC', 'O'))
    $gold.PredictedLabels = [string[]]('B-PER', 'O', 'B-WORK_OF_ART_AND_MORE', 'B-ORG', 'B-LOC')
    $script:evaluation = [BertNer.Evaluation.ConllEvaluator]::Evaluate([BertNer.Data.NerSentence[]]@($gold))
    $evaluation.Loss = 0.123456

    $script:model = Import-BertNerModel (New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')) -Device Cpu
}

AfterAll {
    if ($model) { $model.Dispose() }
}

Describe 'Default views at 80 columns' {
    It 'NerSentence: a table row per sentence with document, sentence, tokens and labels' {
        $lines = Render $sentence
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'Document Sentence Tokens                          Labels'
        $lines | Should -Contain '       0        0 The European Commission said o… O B-ORG I-ORG O O O O O O B…'
    }

    It 'NerEntity: every column stays, long entity texts are cut with an ellipsis' {
        $lines = Render $entities
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'InputIndex Type   Text                                  Start    End  Score'
        $lines | Should -Contain '     12345 ORG    European Commission for Agriculture…     21     76  0.973'
        $lines | Should -Contain '     12345 PER    Gerard Kiely                             78     90  0.500'
    }

    It 'NerEpochResult: the epoch table, with - for epochs without validation' {
        $lines = Render $epochs
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'Epoch   Step TrainLoss ValLoss Precision Recall     F1 Accuracy Duration'
        $lines | Should -Contain '    1   1756    0.2412  0.0731    0.9012 0.9187 0.9099   0.9811 01:23:00'
        $lines | Should -Contain '   10 175600    0.0101       -         -      -      -        - 23:30:00'
    }

    It 'NerEvaluation: the overall scores, then a row per type and the averages' {
        $lines = Render $evaluation
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'F1 28.57%   precision 25.00%   recall 33.33%   token accuracy 40.00%'
        $lines | Should -Contain 'Entities: 3 gold, 4 predicted, 1 correct. Loss: 0.1235'
        $lines | Should -Contain 'Type         Precision  Recall      F1  Support Predicted  Correct'
        $lines | Should -Contain 'WORK_OF_ART…   100.00% 100.00% 100.00%        1         1        1'
        ($lines -match '^LOC\s+0\.00%\s+0\.00%\s+0\.00%\s+1\s+1\s+0$') | Should -HaveCount 1
        ($lines -match '^(macro|weighted) avg ') | Should -HaveCount 2
    }

    It 'NerTypeScore: the per-type table on its own ($evaluation.PerType)' {
        $lines = Render $evaluation.PerType
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'Type         Precision  Recall      F1  Support Predicted  Correct'
        $lines | Should -Contain 'WORK_OF_ART…   100.00% 100.00% 100.00%        1         1        1'
    }

    It 'NerModel: a table row by default, every detail with Format-List' {
        $lines = Render $model
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'Name                   Layers Hidden Entity types          Parameters Device'
        ($lines -match '^tiny\s+2\s+32 PER,LOC\s+[\d,]+ cpu\s*$') | Should -HaveCount 1

        $list = Render $model -List
        LongerThan80 $list | Should -BeNullOrEmpty
        $list -match '^VocabularySize : 29$' | Should -HaveCount 1
        $list -match '^Labels\s+: O, B-PER, I-PER, B-LOC, I-LOC$' | Should -HaveCount 1
    }

    It 'RuntimeInfo: a row per runtime with its size, where it was found and whether it is in use' {
        $runtimes = @(Get-BertNerRuntime)
        $lines = Render $runtimes
        LongerThan80 $lines | Should -BeNullOrEmpty
        $lines | Should -Contain 'Runtime     Version  Backend Platform         Size Location       State'
        # The tiny model above loaded the developer build's libtorch, which lives beside TorchSharp.dll.
        ($lines -match '^libtorch\s+[\d.]+\s+Cpu\s+\S+\s+\d+ MB BesideAssembly\s+in use$') | Should -HaveCount 1
        $list = Render $runtimes[0] -List
        $list -match '^Path\s+: /' | Should -HaveCount 1
    }

    It 'NerModel: a pretrained encoder says it has no entity types' {
        # A head-less copy of the tiny model: the same folder without labels in config.json.
        $plain = Join-Path $TestDrive 'encoder'
        Copy-Item (Join-Path $TestDrive 'tiny') $plain -Recurse
        $cfg = Get-Content (Join-Path $plain 'config.json') -Raw | ConvertFrom-Json -AsHashtable
        $cfg.Remove('id2label'); $cfg.Remove('label2id')
        $cfg | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $plain 'config.json')
        $encoder = Import-BertNerModel $plain -Device Cpu -WarningAction SilentlyContinue
        $encoder.Labels.Count | Should -Be 0
        ((Render $encoder) -match '^encoder\s+2\s+32 \(pretrained encoder\)\s+[\d,]+ cpu\s*$') | Should -HaveCount 1
        $encoder.Dispose()
    }
}
