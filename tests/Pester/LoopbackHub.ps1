# A Hugging Face Hub on 127.0.0.1 for the cmdlet tests, started from PowerShell: an HttpListener in a background
# runspace serving {endpoint}/{id}/resolve/{revision}/{file} with the hub's headers (X-Repo-Commit, ETag, and for
# LFS files X-Linked-Etag/X-Linked-Size plus a 302 to a second port acting as the CDN), RepoNotFound/GatedRepo/
# RevisionNotFound/EntryNotFound errors, and a switch that stalls every answer (for Ctrl+C tests).
# Every request is recorded in $hub.State.Requests. Dot-source, then Start-LoopbackHub / Stop-LoopbackHub.

function New-TinyModelFiles {
    # A real (tiny, random) BERT token classifier saved by the engine; returns file name -> bytes.
    param([Parameter(Mandatory)] [string] $Folder)
    $src = Join-Path $Folder 'src'
    New-Item -ItemType Directory $src -Force | Out-Null
    $vocab = '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', ',', 'the', 'in', 'paris', 'angela', 'berlin'
    [IO.File]::WriteAllLines((Join-Path $src 'vocab.txt'), [string[]]$vocab)
    [BertNer.Tokenization.TokenizerSettings]::new().Save($src)
    $tokenizer = [BertNer.Tokenization.BertNerTokenizer]::FromFolder($src)
    $config = [BertNer.Modeling.BertConfig]@{
        VocabSize = $vocab.Count; HiddenSize = 16; NumHiddenLayers = 1; NumAttentionHeads = 2; IntermediateSize = 32
        MaxPositionEmbeddings = 32; TypeVocabSize = 2; Labels = [Collections.Generic.List[string]]@('O', 'B-PER', 'I-PER')
    }
    $model = [BertNer.Modeling.NerModel]::CreateRandom($config, $tokenizer, 1, 'Cpu')
    $saved = Join-Path $Folder 'saved'
    try { $model.Save($saved) } finally { $model.Dispose() }
    $files = @{}
    foreach ($f in Get-ChildItem $saved -File) { $files[$f.Name] = [IO.File]::ReadAllBytes($f.FullName) }
    return $files
}

function New-CommitHash { [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant() }

function Get-Sha256Hex([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }

function Start-LoopbackHub {
    # $Repos: id -> @{ Commit = '<40 hex>'; Files = @{ name = [byte[]] }; Gated = $bool }
    param([Parameter(Mandatory)] [hashtable] $Repos)
    $ports = foreach ($i in 1..2) {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start(); $probe.LocalEndpoint.Port; $probe.Stop()
    }
    $state = [hashtable]::Synchronized(@{
            Repos    = $Repos
            Requests = [Collections.ArrayList]::Synchronized([Collections.ArrayList]::new())
            Token    = $null     # the token that opens gated repos
            Stall    = $false    # when true, each answer waits for Release (at most 20 s)
            Release  = $false
        })
    $listener = [Net.HttpListener]::new()
    foreach ($p in $ports) { $listener.Prefixes.Add("http://127.0.0.1:$p/") }
    $listener.Start()
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($Listener, $State, $CdnPort)
            function Hex([byte[]] $b) { [Convert]::ToHexString($b).ToLowerInvariant() }
            function Send($Response, [int] $Status, [hashtable] $Headers, [byte[]] $Body, [bool] $Head) {
                $Response.StatusCode = $Status
                foreach ($k in $Headers.Keys) {
                    if ($k -eq 'Location') { $Response.RedirectLocation = $Headers[$k] } else { $Response.AddHeader($k, $Headers[$k]) }
                }
                $Response.ContentLength64 = $Body.Length
                if (-not $Head -and $Body.Length) { $Response.OutputStream.Write($Body, 0, $Body.Length) }
            }
            $none = [byte[]]::new(0)
            while ($Listener.IsListening) {
                try { $ctx = $Listener.GetContext() } catch { break }
                $req = $ctx.Request; $res = $ctx.Response
                try {
                    $path = $req.RawUrl.Split('?')[0]
                    $server = if ($req.Url.Port -eq $CdnPort) { 'cdn' } else { 'hub' }
                    $auth = $req.Headers['Authorization']
                    $null = $State.Requests.Add([pscustomobject]@{ Server = $server; Method = $req.HttpMethod; Path = $path; Authorization = $auth })
                    if ($State.Stall) {
                        $until = [DateTime]::UtcNow.AddSeconds(20)
                        while (-not $State.Release -and [DateTime]::UtcNow -lt $until) { Start-Sleep -Milliseconds 20 }
                    }
                    $head = $req.HttpMethod -eq 'HEAD'
                    if ($server -eq 'cdn') {
                        $sha = $path.Split('/')[-1]
                        $body = $null
                        foreach ($repo in $State.Repos.Values) { foreach ($b in $repo.Files.Values) { if ((Hex ([Security.Cryptography.SHA256]::HashData($b))) -eq $sha) { $body = $b } } }
                        if ($body) { Send $res 200 @{ ETag = "`"$sha`"" } $body $head } else { Send $res 404 @{} $none $head }
                        continue
                    }
                    $at = $path.IndexOf('/resolve/')
                    if ($at -lt 1) { Send $res 404 @{} $none $head; continue }
                    $id = $path.Substring(1, $at - 1)
                    $rest = $path.Substring($at + 9).Split('/')
                    $revision = [Uri]::UnescapeDataString($rest[0])
                    $file = ($rest | Select-Object -Skip 1 | ForEach-Object { [Uri]::UnescapeDataString($_) }) -join '/'
                    $repo = $State.Repos[$id]
                    $authorized = $State.Token -and $auth -eq "Bearer $($State.Token)"
                    if (-not $repo) { Send $res ($auth ? 404 : 401) @{ 'X-Error-Code' = 'RepoNotFound' } $none $head; continue }
                    if ($repo.Gated -and -not $authorized) { Send $res ($auth ? 403 : 401) @{ 'X-Error-Code' = 'GatedRepo'; 'X-Error-Message' = 'Access to this model is restricted.' } $none $head; continue }
                    if ($revision -ne 'main' -and $revision -ne $repo.Commit) { Send $res 404 @{ 'X-Error-Code' = 'RevisionNotFound' } $none $head; continue }
                    if (-not $repo.Files.ContainsKey($file)) { Send $res 404 @{ 'X-Error-Code' = 'EntryNotFound' } $none $head; continue }
                    $bytes = [byte[]]$repo.Files[$file]
                    if ($file -match '\.(safetensors|bin)$') {
                        $sha = Hex ([Security.Cryptography.SHA256]::HashData($bytes))
                        Send $res 302 @{
                            'X-Repo-Commit' = $repo.Commit; 'X-Linked-Etag' = "`"$sha`""; 'X-Linked-Size' = "$($bytes.Length)"
                            ETag = '"lfs-pointer"'; Location = "http://127.0.0.1:$CdnPort/blobs/$sha"
                        } $none $head
                    }
                    else {
                        $blob = [byte[]]([Text.Encoding]::ASCII.GetBytes("blob $($bytes.Length)`0") + $bytes)
                        $sha1 = Hex ([Security.Cryptography.SHA1]::HashData($blob))
                        Send $res 200 @{ 'X-Repo-Commit' = $repo.Commit; ETag = "`"$sha1`"" } $bytes $head
                    }
                }
                catch { try { $res.StatusCode = 500 } catch { } }
                finally { try { $res.Close() } catch { } }
            }
        }).AddArgument($listener).AddArgument($state).AddArgument($ports[1])
    $handle = $ps.BeginInvoke()
    [pscustomobject]@{
        Endpoint   = "http://127.0.0.1:$($ports[0])"
        State      = $state
        Listener   = $listener
        PowerShell = $ps
        Handle     = $handle
    }
}

function Stop-LoopbackHub {
    param([Parameter(Mandatory)] $Hub)
    $Hub.State.Release = $true
    $Hub.Listener.Stop()
    $Hub.Listener.Close()
    if (-not $Hub.Handle.AsyncWaitHandle.WaitOne(5000)) { $Hub.PowerShell.Stop() }
    $Hub.PowerShell.Dispose()
}
