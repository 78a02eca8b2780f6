# The pages BertNer draws: a training run's report.html and ConvertTo-NerHtml on a trained model's entities, checked as
# HTML and, when Chromium is on PATH, in a real browser (src/Build/Pictures.ps1 takes the screenshots; docs/pictures.md).
BeforeDiscovery {
    . (Join-Path $env:BERTNER_REPO 'src/Build/Pictures.ps1')
    $script:hasBrowser = [bool](Find-Chromium)
    # CI must render the pages (.ci/run installs Chromium): there a missing browser fails the tests instead of skipping them.
    $script:inCi = $env:CI -eq 'true'
    if (-not $hasBrowser -and -not $inCi) { Write-Warning 'Chromium is not on PATH: the screenshot tests are skipped (Debian: apt-get install chromium).' }
}

BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    . (Join-Path $env:BERTNER_REPO 'src/Build/Pictures.ps1')

    $tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
    $train = New-ToyConll -Path (Join-Path $TestDrive 'train.txt') -Count 64
    $valid = New-ToyConll -Path (Join-Path $TestDrive 'valid.txt') -Count 24 -Seed 11
    $script:run = Import-Conll $train | Start-BertNerTraining -Model $tiny -ValidationPath $valid -OutputPath (Join-Path $TestDrive 'run') `
        -Epochs 3 -LearningRate 0.005 -Device Cpu -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    $script:report = Join-Path $run.OutputPath 'report.html'

    $script:texts = 'John Smith visited Paris.', 'Zoe met Angela Merkel in Berlin.', '<i>Zoe</i> & London'
    $script:entities = @($texts | Get-NerEntity -Model $run)
    $script:page = Join-Path $TestDrive 'entities.html'
    $entities | ConvertTo-NerHtml -Text $texts -Path $page | Out-Null

    # The page's DOM after its scripts ran, from headless Chromium (same flags as Invoke-HeadlessScreenshot).
    function script:Invoke-HeadlessDom([string] $HtmlPath) {
        $profileDir = Join-Path $TestDrive "chromium-$([guid]::NewGuid().ToString('N'))"
        $uri = [Uri]::new($HtmlPath, [UriKind]::Absolute).AbsoluteUri
        $dom = & (Find-Chromium).Source --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update `
            --disable-sync --no-first-run "--user-data-dir=$profileDir" --window-size=1000,800 --dump-dom $uri 2>$null
        $dom -join "`n"
    }

    function script:PngSize([string] $Path) {
        # Width and height from the IHDR chunk (big-endian, bytes 16..23): proof that this is a real PNG.
        $b = [IO.File]::ReadAllBytes($Path)
        [Text.Encoding]::ASCII.GetString($b, 1, 3) | Should -Be 'PNG'
        $w = [BitConverter]::ToInt32([byte[]]($b[19], $b[18], $b[17], $b[16]), 0)
        $h = [BitConverter]::ToInt32([byte[]]($b[23], $b[22], $b[21], $b[20]), 0)
        @($w, $h)
    }
}

Describe 'report.html of a training run' {
    It 'is written into the run folder, self-contained' {
        Test-Path $report | Should -BeTrue
        $html = Get-Content $report -Raw
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '\b(src|href)\s*='
    }

    It 'charts loss and F1 for every epoch and names the best one' {
        $html = Get-Content $report -Raw
        ([regex]::Matches($html, '<svg ')).Count | Should -Be 2
        foreach ($e in $run.Epochs) {
            $html | Should -Match ('<title>training, epoch {0}: {1}</title>' -f $e.Epoch, [regex]::Escape($e.TrainingLoss.ToString('0.####', [cultureinfo]::InvariantCulture)))
            $html | Should -Match ('<title>F1, epoch {0}: ' -f $e.Epoch)
        }
        $html | Should -Match ('Best epoch \({0}\): scores per entity type' -f $run.BestEpoch)
    }

    It 'has the per-type table and the confusion matrix of the best epoch' {
        $html = Get-Content $report -Raw
        $html | Should -Match '</span>LOC</td><td class="num">'
        $html | Should -Match '</span>PER</td><td class="num">'
        $html | Should -Match '<table class="confusion">'
        $html | Should -Match 'O \(missed\)'
        $html | Should -Match 'O \(spurious\)'
    }
}

Describe 'ConvertTo-NerHtml on a trained model''s entities' {
    It 'marks each entity''s text with its type' {
        $entities.Count | Should -BeGreaterThan 3
        $html = Get-Content $page -Raw
        foreach ($e in $entities) {
            $text = [Net.WebUtility]::HtmlEncode($e.Text)
            $html | Should -Match ('<mark class="entity"[^>]*>{0}<span class="label">{1}</span></mark>' -f [regex]::Escape($text), [regex]::Escape($e.Type))
        }
        $html | Should -Match '&lt;i&gt;'
    }
}

Describe 'In a browser (headless Chromium)' -Skip:(-not $hasBrowser -and -not $inCi) {
    It 'renders report.html to a full screenshot' {
        $png = Invoke-HeadlessScreenshot -HtmlPath $report -PngPath (Join-Path $TestDrive 'report.png') -Width 1200 -Height 1500
        $png.Length | Should -BeGreaterThan 30KB   # a blank page of this size compresses to a few kB
        PngSize $png.FullName | Should -Be @(1200, 1500)
    }

    It 'renders the ConvertTo-NerHtml page to a screenshot' {
        $png = Invoke-HeadlessScreenshot -HtmlPath $page -PngPath (Join-Path $TestDrive 'entities.png') -Width 1000 -Height 500
        $png.Length | Should -BeGreaterThan 15KB
        PngSize $png.FullName | Should -Be @(1000, 500)
    }

    It 'keeps every entity chip of the ConvertTo-NerHtml page on one line at any width' {
        # Entities of several words all along a text: at some width one of them reaches a line's end. Each chip must
        # then move to the next line whole; a chip broken over two lines ("Elon | Musk PER") has two client rects.
        $text = (1..6 | ForEach-Object { 'Yesterday Elon Musk met Angela Dorothea Merkel and the United Nations in New York City.' }) -join ' '
        $names = @{ 'Elon Musk' = 'PER'; 'Angela Dorothea Merkel' = 'PER'; 'United Nations' = 'ORG'; 'New York City' = 'LOC' }
        $chips = foreach ($m in [regex]::Matches($text, ($names.Keys -join '|'))) {
            [BertNer.Inference.NerEntity]@{ Type = $names[$m.Value]; Text = $m.Value; Start = $m.Index; End = $m.Index + $m.Length; Score = 0.99; InputIndex = 0; Input = $text }
        }
        $measure = @'
<script>
const marks = [...document.querySelectorAll('.text mark.entity')];
const broken = [];
for (let w = 200; w <= 900; w += 3) {
  document.body.style.width = w + 'px';
  for (const m of marks) if (m.getClientRects().length > 1) broken.push(w + 'px: ' + m.textContent);
}
document.body.setAttribute('data-marks', marks.length);
document.body.setAttribute('data-broken', broken.length);
document.body.setAttribute('data-first', broken[0] || '');
</script>
'@
        $html = ($chips | ConvertTo-NerHtml) -replace '</body>', "$measure</body>"
        $probe = Join-Path $TestDrive 'chips.html'
        [IO.File]::WriteAllText($probe, $html)
        $dom = Invoke-HeadlessDom -HtmlPath $probe
        $body = [regex]::Match($dom, '<body[^>]*>').Value
        $body | Should -Match "data-marks=""$($chips.Count)"""
        $body | Should -Match 'data-broken="0"' -Because "no chip may break over two lines ($body)"
    }

    It 'says why when there is no page to render' {
        { Invoke-HeadlessScreenshot -HtmlPath (Join-Path $TestDrive 'missing.html') -PngPath (Join-Path $TestDrive 'x.png') } | Should -Throw -ExpectedMessage '*missing.html*'
    }
}
