# Document context (issue 20) through the cmdlets: a tiny model trained with -DocumentContext predicts with its
# neighbours in Measure-BertNerModel (documents from Import-Conll) and Get-NerEntity (windows of a long text),
# also from an ONNX export.
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')

    # The toy set in documents of 6 sentences (-DOCSTART- blocks).
    function New-ToyDocuments([string] $Path, [int] $Count, [int] $Seed) {
        $flat = New-ToyConll -Path "$Path.flat" -Count $Count -Seed $Seed
        $sentences = (Get-Content -Raw $flat).Trim() -split '(?:\r?\n){2,}'
        $lines = for ($i = 0; $i -lt $sentences.Count; $i++) {
            if ($i % 6 -eq 0) { '-DOCSTART- O'; '' }
            $sentences[$i]; ''
        }
        Set-Content -Path $Path -Value $lines
        $Path
    }

    # A copy of a model folder that reads sentences alone (the key removed from config.json).
    function Copy-WithoutContext([string] $From, [string] $To) {
        Copy-Item -Recurse $From $To
        $config = Get-Content -Raw (Join-Path $To 'config.json') | ConvertFrom-Json -AsHashtable
        $config.Remove('bertner_document_context')
        $config | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $To 'config.json')
        $To
    }
}

Describe 'Document context through the cmdlets (tiny model)' {
    BeforeAll {
        $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
        $script:trainFile = New-ToyDocuments -Path (Join-Path $TestDrive 'train.txt') -Count 96 -Seed 7
        $script:validFile = New-ToyDocuments -Path (Join-Path $TestDrive 'valid.txt') -Count 24 -Seed 11
        $script:out = Join-Path $TestDrive 'run'
        $script:run = Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -ValidationPath $validFile -OutputPath $out `
            -Epochs 3 -LearningRate 0.005 -Device Cpu -DocumentContext 8
        $script:best = Join-Path $out 'best'
        $script:plain = Copy-WithoutContext $best (Join-Path $TestDrive 'best-plain')
    }

    It 'says on the run object, in config.yaml, in report.html and in the model''s config.json how much context it used' {
        $run.DocumentContext | Should -Be 8
        $run.Config.DocumentContext | Should -Be 8
        ($run | Format-List | Out-String) | Should -Match 'DocumentContext\s*:\s*8 sub-tokens on each side'
        (Get-Content -Raw (Join-Path $out 'config.yaml')) | Should -Match '(?m)^document_context: 8$'
        (Get-Content -Raw (Join-Path $out 'report.html')) | Should -Match 'document context</span><b>8 sub-tokens</b>'
        (Get-Content -Raw (Join-Path $best 'config.json') | ConvertFrom-Json).bertner_document_context | Should -Be 8
        $run.Epochs[-1].F1 | Should -BeGreaterThan 0.8
    }

    It 'Measure-BertNerModel reads each sentence with its document''s neighbours, as training did' {
        $sentences = Import-Conll $validFile
        ($sentences.DocumentIndex | Sort-Object -Unique).Count | Should -Be 4
        $withContext = $sentences | Measure-BertNerModel -Model $best
        $alone = $sentences | Measure-BertNerModel -Model $plain
        $withContext.F1 | Should -BeGreaterThan 0.8
        # Same weights, same labelled positions: the loss differs only because the neighbours reach the model.
        $withContext.Loss | Should -Not -Be $alone.Loss
        $withContext.Loss | Should -Be (Measure-BertNerModel -Model $best -Path $validFile).Loss
        # Reading the validation set with context is what the trainer scored.
        $withContext.F1 | Should -Be $run.Epochs[$run.BestEpoch - 1].F1
    }

    It 'Get-NerEntity gives a whole document''s words their context in overlapping windows' {
        $text = (1..20 | ForEach-Object { 'John Smith visited Paris .' }) -join ' '
        $verbose = Get-NerEntity -Text $text -Model $best -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose | Out-String) | Should -Match 'sharing at least 17 \(document context 8 on each side\)'
        $entities = Get-NerEntity -Text $text -Model $best
        # The tiny model learnt positions up to toy-sentence-plus-context length only: check the start, where it knows them.
        $entities[0..1].Text | Should -Be @('John Smith', 'Paris')
        $entities | ForEach-Object { $text.Substring($_.Start, $_.End - $_.Start) | Should -Be $_.Text }
        (Get-NerEntity -Text $text -Model $plain -Verbose 4>&1 | Out-String) | Should -Not -Match 'sharing at least'
    }

    It 'an ONNX export keeps the setting and measures as the libtorch model does' {
        $onnx = Join-Path $TestDrive 'onnx'
        Export-BertNerModel -Model $best -Path $onnx | Out-Null
        (Get-Content -Raw (Join-Path $onnx 'config.json') | ConvertFrom-Json).bertner_document_context | Should -Be 8
        $viaOnnx = Measure-BertNerModel -Model $onnx -Path $validFile
        $viaTorch = Measure-BertNerModel -Model $best -Path $validFile
        [math]::Abs($viaOnnx.Loss - $viaTorch.Loss) | Should -BeLessThan 1e-4
        $viaOnnx.F1 | Should -Be $viaTorch.F1
        (Get-NerEntity -Text 'Zoe visited London . John Smith visited Paris .' -Model $onnx).Text | Should -Be @('Zoe', 'London', 'John Smith', 'Paris')
    }

    It 'refuses a context that does not fit in max_length, naming both keys' {
        { Import-Conll $trainFile | Start-BertNerTraining -Model $tiny -OutputPath (Join-Path $TestDrive 'never') -DocumentContext 512 -Device Cpu -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*document_context*512*max_length*"
        Test-Path (Join-Path $TestDrive 'never') | Should -BeFalse
    }
}
