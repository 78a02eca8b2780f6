# Screenshots of the HTML pages BertNer writes (a run's report.html and ConvertTo-NerHtml pages), taken with a
# headless Chromium. Used by tests/Pester/Pictures.Tests.ps1 (which skips without Chromium) and to remake
# docs/images/report.png and docs/images/entities.png (see docs/pictures.md). Dot-source this file.

Set-StrictMode -Version 3

function Find-Chromium {
    <# The Chromium (or Chrome) executable on PATH, or $null. #>
    Get-Command chromium, chromium-browser, google-chrome, google-chrome-stable -CommandType Application -ErrorAction Ignore |
        Select-Object -First 1
}

function Invoke-HeadlessScreenshot {
    <#
    .SYNOPSIS
        Opens an HTML file in headless Chromium and saves what a window of -Width x -Height shows as a PNG.
    .DESCRIPTION
        A throwaway profile, no network, no GPU, no first-run pages; gives up after -TimeoutSeconds. Throws with the
        browser's own output when no PNG comes out.
    #>
    param(
        [Parameter(Mandatory)] [string] $HtmlPath,
        [Parameter(Mandatory)] [string] $PngPath,
        [int] $Width = 1200,
        [int] $Height = 900,
        [int] $TimeoutSeconds = 120
    )
    $browser = Find-Chromium
    if (-not $browser) { throw 'No Chromium on PATH: install it (on Debian: apt-get install chromium) to take screenshots.' }
    $html = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($HtmlPath)
    if (-not (Test-Path -LiteralPath $html -PathType Leaf)) { throw "There is no page to take a screenshot of at '$html'." }
    $png = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($PngPath)
    if (Test-Path -LiteralPath $png) { Remove-Item -LiteralPath $png -Force }
    $profileDir = Join-Path ([IO.Path]::GetTempPath()) "bertner-chromium-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory $profileDir | Out-Null
    $start = [Diagnostics.ProcessStartInfo]::new($browser.Source)
    # --no-sandbox: the sandbox cannot start as root (CI containers); the page is our own file and fetches nothing.
    foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--hide-scrollbars', "--user-data-dir=$profileDir", "--screenshot=$png",
        "--window-size=$Width,$Height", [Uri]::new($html, [UriKind]::Absolute).AbsoluteUri) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    try {
        $process = [Diagnostics.Process]::Start($start)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "Chromium did not finish the screenshot of '$html' within $TimeoutSeconds s."
        }
        if (-not (Test-Path -LiteralPath $png)) {
            throw "Chromium (exit code $($process.ExitCode)) wrote no screenshot of '$html':`n$($stdout.Result)$($stderr.Result)"
        }
    }
    finally {
        Remove-Item -LiteralPath $profileDir -Recurse -Force -ErrorAction Ignore
    }
    Get-Item -LiteralPath $png
}

function New-PictureConll {
    <#
    Toy CoNLL data that the tiny test model learns over several epochs but not perfectly, so the report has curves
    and a confusion matrix worth looking at: "the london" is an organisation (learnable from context), one place in
    ten is labelled MISC at random (not learnable), and one sentence in eight has no entity at all.
    #>
    param([Parameter(Mandatory)] [string] $Path, [int] $Count = 160, [int] $Seed = 3)
    $rng = [Random]::new($Seed)
    $people = @(, @('john', 'smith')), @(, @('angela', 'merkel')), @(, @('zoe')), @(, @('paris'))
    $places = 'paris', 'london', 'berlin'
    $filler = 'the', 'a', 'b', 'c', 'lives', 'met', 'visited', 'in', ',', '!', "'", '-'
    $lines = foreach ($i in 1..$Count) {
        if ($rng.Next(8) -eq 0) {
            foreach ($k in 0..(2 + $rng.Next(4))) { "$($filler[$rng.Next($filler.Count)]) O" }
            '. O'
            ''
            continue
        }
        $person = $people[$rng.Next($people.Count)][0]
        for ($k = 0; $k -lt $person.Count; $k++) { "$($person[$k]) $(if ($k) { 'I-PER' } else { 'B-PER' })" }
        if ($rng.Next(2)) { 'visited O' } else { 'lives O'; 'in O' }
        $place = $places[$rng.Next($places.Count)]
        if ($rng.Next(4) -eq 0) { 'the O'; "$place B-ORG" }
        elseif ($rng.Next(10) -eq 0) { "$place B-MISC" }
        else { "$place B-LOC" }
        '. O'
        ''
    }
    Set-Content -Path $Path -Value $lines
    $Path
}

function Update-BertNerPictures {
    <#
    .SYNOPSIS
        Remakes docs/images/report.png and docs/images/entities.png: trains the tiny test model for 12 epochs on toy
        data (about a minute on two cores), tags a few sentences with it, and screenshots both pages.
    .EXAMPLE
        ./build.sh; ./.tools/pwsh/pwsh -c '. ./src/Build/Pictures.ps1; Update-BertNerPictures'
    #>
    param(
        [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/BertNer/BertNer.psd1'),
        [string] $OutputFolder = (Join-Path $PSScriptRoot '../../docs/images')
    )
    $ErrorActionPreference = 'Stop'
    Import-Module (Resolve-Path $ModuleManifest).ProviderPath
    . (Join-Path $PSScriptRoot '../../tests/Pester/TinyModel.ps1')
    $work = Join-Path ([IO.Path]::GetTempPath()) "bertner-pictures-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory $work | Out-Null
    try {
        $tiny = New-TinyBertFolder -Path (Join-Path $work 'tiny')
        $train = New-PictureConll -Path (Join-Path $work 'train.txt') -Count 160 -Seed 3
        $valid = New-PictureConll -Path (Join-Path $work 'valid.txt') -Count 60 -Seed 5
        $run = Import-Conll $train | Start-BertNerTraining -Model $tiny -ValidationPath $valid -OutputPath (Join-Path $work 'toy-run') `
            -Epochs 12 -LearningRate 0.004 -BatchSize 16 -Device Cpu -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $texts = @(
            'Angela Merkel visited Paris.'
            'John Smith lives in the London, and Zoe visited Berlin.'
            'Paris met Zoe in London.'
            '<b>Zoe</b> & John Smith met in Berlin: markup in a text is shown as text.'
            'The end.'
        )
        $page = Join-Path $work 'entities.html'
        $texts | Get-NerEntity -Model $run | ConvertTo-NerHtml -Text $texts -Title 'Entities found by the toy model' -Path $page | Out-Null
        New-Item -ItemType Directory $OutputFolder -Force | Out-Null
        Invoke-HeadlessScreenshot -HtmlPath (Join-Path $run.OutputPath 'report.html') -PngPath (Join-Path $OutputFolder 'report.png') -Width 1200 -Height 1700
        Invoke-HeadlessScreenshot -HtmlPath $page -PngPath (Join-Path $OutputFolder 'entities.png') -Width 1000 -Height 530
    }
    finally {
        Remove-Item $work -Recurse -Force -ErrorAction Ignore
    }
}
