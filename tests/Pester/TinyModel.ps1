# Builds a tiny random BERT folder (hidden 32, 2 layers, made-up vocabulary) with the engine's own types,
# for cmdlet tests that must run without ../shared.
function New-TinyBertFolder {
    param([Parameter(Mandatory)] [string] $Path)
    $src = "$Path-src"
    New-Item -ItemType Directory $src -Force | Out-Null
    $vocab = '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', ',', 'the', 'in', 'met', 'paris', 'angela', 'mer', '##kel',
        'berlin', 'john', 'smith', 'lives', 'visited', 'london', 'a', 'b', 'c', '##s', '##ed', 'zoe', '!', "'", '-'
    Set-Content -Path (Join-Path $src 'vocab.txt') -Value $vocab
    '{"do_lower_case": true}' | Set-Content (Join-Path $src 'tokenizer_config.json')
    $tok = [BertNer.Tokenization.BertNerTokenizer]::FromFolder($src)
    $cfg = [BertNer.Modeling.BertConfig]::new()
    $cfg.VocabSize = $vocab.Count; $cfg.HiddenSize = 32; $cfg.NumHiddenLayers = 2; $cfg.NumAttentionHeads = 4
    $cfg.IntermediateSize = 64; $cfg.MaxPositionEmbeddings = 64
    $cfg.Labels = [Collections.Generic.List[string]]@('O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC')
    $m = [BertNer.Modeling.NerModel]::CreateRandom($cfg, $tok, 1, 'Cpu')
    $m.Save($Path)
    $m.Dispose()
    $Path
}

# The toy set of the engine tests: people visit places (learnable in seconds by the tiny model).
function New-ToyConll {
    param([Parameter(Mandatory)] [string] $Path, [int] $Count = 96, [int] $Seed = 7)
    $rng = [Random]::new($Seed)
    $people = @(, @('john', 'smith')), @(, @('angela', 'merkel')), @(, @('zoe'))
    $places = 'paris', 'london', 'berlin'
    $lines = foreach ($i in 1..$Count) {
        $p = $people[$rng.Next(3)][0]
        for ($k = 0; $k -lt $p.Count; $k++) { "$($p[$k]) $(if ($k) { 'I-PER' } else { 'B-PER' })" }
        "visited O"
        "$($places[$rng.Next(3)]) B-LOC"
        ". O"
        ''
    }
    Set-Content -Path $Path -Value $lines
    $Path
}
