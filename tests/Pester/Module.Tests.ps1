# The module as users get it: out/BertNer staged by build.ps1 ($env:BERTNER_MODULE).
BeforeDiscovery {
    $script:shared = Join-Path $env:BERTNER_REPO '../shared'
    $script:hasShared = Test-Path (Join-Path $shared 'models/minilm-l6-h384-uncased/config.json')
    if (-not $hasShared) { Write-Warning '../shared is absent: tests that need the real model are skipped.' }
}

BeforeAll {
    Import-Module $env:BERTNER_MODULE -Force
    $script:minilm = Join-Path $env:BERTNER_REPO '../shared/models/minilm-l6-h384-uncased'
    $script:moduleDir = Split-Path $env:BERTNER_MODULE
}

Describe 'Module manifest and import' {
    It 'exports exactly the cmdlets the manifest names' {
        $manifest = Import-PowerShellDataFile $env:BERTNER_MODULE
        $exported = (Get-Module BertNer).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.4'
    }

    It 'runs a TorchSharp tensor operation in-process after Import-Module' {
        [BertNer.Runtime.TorchRuntime]::EnsureLoaded()
        $t = [TorchSharp.torch]::tensor([float[]]@(1, 2, 3, 4))
        $t.matmul($t).item[float]() | Should -Be 30
    }

    It 'keeps the cmdlets in the root and the engine with the libtorch natives beside TorchSharp.dll in lib/' {
        $lib = Join-Path $moduleDir 'lib'
        Test-Path (Join-Path $moduleDir 'BertNer.PowerShell.dll') | Should -BeTrue
        Test-Path (Join-Path $moduleDir 'BertNer.Loader.dll') | Should -BeTrue
        Test-Path (Join-Path $moduleDir 'BertNer.Engine.dll') | Should -BeFalse
        Test-Path (Join-Path $moduleDir 'TorchSharp.dll') | Should -BeFalse
        Test-Path (Join-Path $lib 'BertNer.Engine.dll') | Should -BeTrue
        Test-Path (Join-Path $lib 'TorchSharp.dll') | Should -BeTrue
        Test-Path (Join-Path $lib 'libLibTorchSharp.so') | Should -BeTrue
        Test-Path (Join-Path $lib 'libtorch_cpu.so') | Should -BeTrue
    }

    It 'stages nothing BertNer never loads (issue 18.4)' {
        $never = 'SkiaSharp.dll', 'ICSharpCode.SharpZipLib.dll', 'TqdmSharp.dll', 'libtorch_python.so', 'libtorchbind_test.so',
            'libjitbackend_test.so', 'libbackend_with_compiler.so', 'libaoti_custom_ops.so', 'libnnapi_backend.so', 'libshm.so', '*.deps.json'
        Get-ChildItem $moduleDir -Recurse -File -Include $never | Should -BeNullOrEmpty
        # Needed: pytorch_model.bin is unpickled with Razorvine.Pickle; the ONNX export writes protobuf messages.
        Test-Path (Join-Path $moduleDir 'lib/Razorvine.Pickle.dll') | Should -BeTrue
        Test-Path (Join-Path $moduleDir 'lib/Google.Protobuf.dll') | Should -BeTrue
    }

    It 'lists no engine assembly in the manifest, which would load it into PowerShell''s default load context' {
        $manifest = Import-PowerShellDataFile $env:BERTNER_MODULE
        $manifest.Keys | Should -Not -Contain 'RequiredAssemblies'
        $manifest.NestedModules | Should -Be @('BertNer.Loader.dll')
        $manifest.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }
}

Describe 'Import-BertNerModel' {
    It 'loads the pretrained MiniLM encoder and describes it' -Skip:(-not $hasShared) {
        $m = Import-BertNerModel -Path $minilm -Device Cpu
        $m.Config.NumHiddenLayers | Should -Be 6
        $m.Config.HiddenSize | Should -Be 384
        $m.Config.NumAttentionHeads | Should -Be 12
        $m.Config.VocabSize | Should -Be 30522
        $m.Labels.Count | Should -Be 0
        $m.ParameterCount | Should -Be 22713216
        $m.Device.ToString() | Should -Be 'cpu'
        ($m | Out-String) | Should -Match 'pretrained encoder'
    }

    It 'adds a new head for labels, with a warning that says so' -Skip:(-not $hasShared) {
        $m = Import-BertNerModel -Path $minilm -Labels O, B-PER, I-PER -Device Cpu -WarningVariable w -WarningAction SilentlyContinue
        $m.Labels | Should -Be @('O', 'B-PER', 'I-PER')
        ($w -join "`n") | Should -Match 'new one for 3 labels was initialised'
    }

    It 'gives an ObjectNotFound error naming a missing folder' {
        $missing = Join-Path $TestDrive 'no-such-model'
        $err = $null
        Import-BertNerModel -Path $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($missing))
        $err[0].Exception.Message | Should -Match 'Hugging Face model folder'
    }

    It 'names the key when config.json holds a bad value' {
        $dir = Join-Path $TestDrive 'badcfg'
        New-Item -ItemType Directory $dir | Out-Null
        '{"hidden_size": 100, "num_attention_heads": 12}' | Set-Content (Join-Path $dir 'config.json')
        { Import-BertNerModel -Path $dir -ErrorAction Stop } | Should -Throw -ExpectedMessage '*hidden_size*multiple of num_attention_heads*'
    }
}

Describe '-Model binding (ModelArgumentAttribute)' {
    It '<Command> refuses a -Model of another type while the parameters bind' -ForEach @(
        @{ Command = 'Get-NerEntity'; Arguments = @{ Text = 'x' } }
        @{ Command = 'Measure-BertNerModel'; Arguments = @{ Path = 'x.txt' } }
        @{ Command = 'Export-BertNerModel'; Arguments = @{ Path = 'x' } }
        @{ Command = 'Start-BertNerTraining'; Arguments = @{} }
    ) {
        $e = { & $Command @Arguments -Model (Get-Date) } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike "ParameterArgumentTransformationError,*$($Command -replace '-')*"
        $e.Exception.Message | Should -Match '-Model takes a model folder, a Hugging Face hub id, a training run .* got a DateTime'
    }

    It 'takes a DirectoryInfo as its folder' {
        $missing = [IO.DirectoryInfo](Join-Path $TestDrive 'no-such-model')
        $e = { Get-NerEntity -Text 'x' -Model $missing } | Should -Throw -PassThru
        # Past binding: the folder itself is what is wrong, named in full.
        $e.FullyQualifiedErrorId | Should -Not -BeLike 'ParameterArgumentTransformationError*'
        $e.Exception.Message | Should -BeLike "*$($missing.FullName)*"
    }
}
