# examples/quickstart.ps1 as a new user runs it, on the tiny model and toy data (no ../shared needed):
# it must never remove what BertNer did not create (issue 16: it used to delete -OutputPath recursively).
BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    . (Join-Path $PSScriptRoot 'TinyModel.ps1')
    $script:quickstart = Join-Path $env:BERTNER_REPO 'examples/quickstart.ps1'
    $script:tiny = New-TinyBertFolder -Path (Join-Path $TestDrive 'tiny')
    $script:train = New-ToyConll -Path (Join-Path $TestDrive 'train.txt') -Count 48
    $script:valid = New-ToyConll -Path (Join-Path $TestDrive 'valid.txt') -Count 16 -Seed 11
    function Invoke-Quickstart([string] $OutputPath) {
        & $env:BERTNER_PWSH -NoProfile -NonInteractive -File $quickstart -Model $tiny -TrainPath $train -ValidationPath $valid `
            -OutputPath $OutputPath -ModulePath $env:BERTNER_MODULE *>&1 | Out-String
    }
}

Describe 'examples/quickstart.ps1 -OutputPath' {
    It 'keeps every file of a folder that holds other things (it used to delete the folder)' {
        $folder = Join-Path $TestDrive 'my-documents'
        New-Item -ItemType Directory $folder | Out-Null
        'precious' | Set-Content (Join-Path $folder 'notes.txt')
        New-Item -ItemType Directory (Join-Path $folder 'photos') | Out-Null
        'jpeg' | Set-Content (Join-Path $folder 'photos/cat.jpg')
        $text = Invoke-Quickstart $folder
        $LASTEXITCODE | Should -Be 0 -Because $text
        Get-Content (Join-Path $folder 'notes.txt') | Should -Be 'precious'
        Get-Content (Join-Path $folder 'photos/cat.jpg') | Should -Be 'jpeg'
        # A second run replaces only what the first one wrote.
        $again = Invoke-Quickstart $folder
        $LASTEXITCODE | Should -Be 0 -Because $again
        Get-Content (Join-Path $folder 'notes.txt') | Should -Be 'precious'
        Test-Path (Join-Path $folder 'best') | Should -BeTrue
    }

    It 'replaces its own earlier run on a second run' {
        $folder = Join-Path $TestDrive 'quick'
        $first = Invoke-Quickstart $folder
        $LASTEXITCODE | Should -Be 0 -Because $first
        $stamp = (Get-Item (Join-Path $folder 'metrics.jsonl')).LastWriteTimeUtc
        Start-Sleep -Milliseconds 20
        $second = Invoke-Quickstart $folder
        $LASTEXITCODE | Should -Be 0 -Because $second
        (Get-Item (Join-Path $folder 'metrics.jsonl')).LastWriteTimeUtc | Should -BeGreaterThan $stamp
    }
}
