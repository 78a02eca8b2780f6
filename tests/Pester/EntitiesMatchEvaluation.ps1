# Compares Get-NerEntities on sentences joined back into text with Measure-BertNerModel's word predictions.
# Returns the entities each found, as "sentence:type:firstWord-lastWord" keys (words of the CoNLL sentence).
function Compare-EntitiesWithEvaluation {
    param([Parameter(Mandatory)] $Sentences, [Parameter(Mandatory)] [string] $Model, [string] $Scratch)
    $pred = Join-Path $Scratch 'predictions.txt'
    $Sentences | Measure-BertNerModel -Model $Model -PredictionsPath $pred | Out-Null
    # Word-level entities from the predicted column (conlleval chunking: B- or a type change starts one).
    $fromEval = [Collections.Generic.List[string]]::new()
    $blocks = @((Get-Content $pred -Raw) -split "`n`n" | Where-Object { $_.Trim() })
    for ($s = 0; $s -lt $blocks.Count; $s++) {
        $labels = @($blocks[$s] -split "`n" | Where-Object { $_ } | ForEach-Object { ($_ -split ' ')[-1] })
        $start = -1; $type = $null
        for ($w = 0; $w -le $labels.Count; $w++) {
            $l = if ($w -lt $labels.Count) { $labels[$w] } else { 'O' }
            $t = if ($l -eq 'O') { $null } else { $l.Substring(2) }
            $begins = $t -and ($l.StartsWith('B-') -or $t -ne $type)
            if ($start -ge 0 -and (-not $t -or $begins)) { $fromEval.Add("${s}:${type}:$start-$($w - 1)"); $start = -1 }
            if ($begins) { $start = $w }
            $type = $t
        }
    }
    # Character spans of Get-NerEntities mapped back to word indexes of the joined sentence.
    $texts = @($Sentences | ForEach-Object { $_.Tokens -join ' ' })
    $fromText = [Collections.Generic.List[string]]::new()
    foreach ($e in ($texts | Get-NerEntities -Model $Model -AggregationStrategy First)) {
        $tokens = $Sentences[$e.InputIndex].Tokens
        $starts = @(); $pos = 0
        foreach ($t in $tokens) { $starts += $pos; $pos += $t.Length + 1 }
        $first = @(0..($tokens.Count - 1) | Where-Object { $starts[$_] -le $e.Start })[-1]
        $last = @(0..($tokens.Count - 1) | Where-Object { $starts[$_] -le $e.End - 1 })[-1]
        $fromText.Add("$($e.InputIndex):$($e.Type):$first-$last")
    }
    [pscustomobject]@{ FromEvaluation = $fromEval; FromText = $fromText }
}
