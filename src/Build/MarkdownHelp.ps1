# Turns the cmdlet help written in Markdown (docs/help/<Cmdlet-Name>.md, platyPS-like layout) into the MAML file
# PowerShell reads for Get-Help (en-US/BertNer.PowerShell.dll-Help.xml). platyPS is not available here (no
# PowerShell Gallery), so this is a small converter of our own. Text comes from the Markdown; syntax, parameter
# types, positions, pipeline input and allowed values come from the cmdlets themselves (Get-Command), so they are
# always true. Dot-source this file; build.ps1 runs Export-MamlHelp in a child pwsh after staging the module.
#
# Markdown layout (one file per cmdlet):
#   # Cmdlet-Name
#   ## SYNOPSIS            one paragraph
#   ## SYNTAX              optional; ignored (generated from the cmdlet)
#   ## DESCRIPTION         paragraphs
#   ## EXAMPLES            ### Example 1: Title, a ```powershell fence, then paragraphs explaining it
#   ## PARAMETERS          ### -Name, then paragraphs; an optional last line "Default value: X"
#   ## INPUTS / ## OUTPUTS ### Type.Name, then paragraphs
#   ## NOTES               paragraphs
#   ## RELATED LINKS       "- name" or "- [name](uri)" lines

Set-StrictMode -Version 3

# Parameters every cmdlet has (and -WhatIf/-Confirm with SupportsShouldProcess): PowerShell documents them itself.
$script:CommonParameterNames = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)

function ConvertTo-HelpParagraphs {
    <# Markdown lines -> paragraphs: blank lines separate, "- " items stand alone, fenced code keeps its lines. #>
    param([string[]] $Lines)
    $paragraphs = [Collections.Generic.List[string]]::new()
    $current = [Collections.Generic.List[string]]::new()
    $inFence = $false
    $flush = {
        if ($current.Count) { $paragraphs.Add(($current -join $(if ($inFence) { "`n" } else { ' ' })).Trim()) }
        $current.Clear()
    }
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            & $flush
            $inFence = -not $inFence
            continue
        }
        if ($inFence) { $current.Add('    ' + $line); continue }
        if ($line -match '^\s*$') { & $flush; continue }
        if ($line -match '^\s*[-*] ') { & $flush }
        $current.Add($line.Trim())
    }
    & $flush
    , $paragraphs.ToArray()
}

function Read-MarkdownHelp {
    <#
    .SYNOPSIS
        Reads one cmdlet's help from its Markdown file into an object (Name, Synopsis, Description, Examples,
        Parameters, Inputs, Outputs, Notes, Links). Throws, naming the file and line, when the layout is wrong.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = [IO.File]::ReadAllLines($Path)
    $help = [ordered]@{
        Path = $Path; Name = $null; Synopsis = ''; Description = @(); Examples = [Collections.Generic.List[object]]::new()
        Parameters = [ordered]@{}; ParameterLines = @{}; Inputs = [Collections.Generic.List[object]]::new()
        Outputs = [Collections.Generic.List[object]]::new(); Notes = @(); Links = [Collections.Generic.List[object]]::new()
    }
    # Split into sections (## NAME) and, inside them, items (### title); remember where each item starts.
    $section = $null; $item = $null; $itemLine = 0
    $sections = [ordered]@{}
    $inFence = $false
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^# (\S.*)$' -and -not $help.Name) { $help.Name = $Matches[1].Trim(); continue }
        if (-not $inFence -and $line -match '^## (.+)$') {
            $section = $Matches[1].Trim().ToUpperInvariant()
            $sections[$section] = [Collections.Generic.List[object]]::new()
            $sections[$section].Add([pscustomobject]@{ Title = $null; Line = $i + 1; Lines = [Collections.Generic.List[string]]::new() })
            continue
        }
        if (-not $section) { continue }
        if (-not $inFence -and $line -match '^### (.+)$') {
            $sections[$section].Add([pscustomobject]@{ Title = $Matches[1].Trim(); Line = $i + 1; Lines = [Collections.Generic.List[string]]::new() })
            continue
        }
        $sections[$section][-1].Lines.Add($line)
    }
    if (-not $help.Name) { throw "${Path}: the file must start with '# Cmdlet-Name'." }
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
        if (-not $sections.Contains($required)) { throw "${Path}: the '## $required' section is missing." }
    }
    $help.Synopsis = (ConvertTo-HelpParagraphs $sections['SYNOPSIS'][0].Lines) -join ' '
    $help.Description = ConvertTo-HelpParagraphs $sections['DESCRIPTION'][0].Lines

    foreach ($example in ($sections['EXAMPLES'] | Select-Object -Skip 1)) {
        # Every fenced block (the commands, and any sample output after them) is code; the other lines explain it.
        $code = [Collections.Generic.List[string]]::new(); $remarks = [Collections.Generic.List[string]]::new()
        $inCode = $false; $blocks = 0
        foreach ($line in $example.Lines) {
            if ($line -match '^\s*```') {
                $inCode = -not $inCode
                if ($inCode -and $blocks++) { $code.Add('') }
                continue
            }
            if ($inCode) { $code.Add($line) } else { $remarks.Add($line) }
        }
        if (-not $blocks -or $inCode) { throw "${Path}:$($example.Line): '$($example.Title)' needs a closed fenced code block (``````powershell ... ``````)." }
        $help.Examples.Add([pscustomobject]@{ Title = $example.Title; Code = ($code -join "`n").Trim("`n"); Remarks = ConvertTo-HelpParagraphs $remarks })
    }

    foreach ($parameter in ($sections['PARAMETERS'] | Select-Object -Skip 1)) {
        if ($parameter.Title -notmatch '^-(\w+)$') { throw "${Path}:$($parameter.Line): a parameter heading is '### -Name', not '### $($parameter.Title)'." }
        $name = $Matches[1]
        $text = [Collections.Generic.List[string]]::new(); $default = $null
        foreach ($line in $parameter.Lines) {
            if ($line -match '^Default value: (.+)$') { $default = $Matches[1].Trim() } else { $text.Add($line) }
        }
        $help.Parameters[$name] = [pscustomobject]@{ Name = $name; Description = ConvertTo-HelpParagraphs $text; Default = $default }
        $help.ParameterLines[$name] = $parameter.Line
    }

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        foreach ($type in ($sections[$kind] | Select-Object -Skip 1)) {
            $help[$kind.Substring(0, 1) + $kind.Substring(1).ToLowerInvariant()].Add([pscustomobject]@{ Type = $type.Title; Description = ConvertTo-HelpParagraphs $type.Lines })
        }
    }
    if ($sections.Contains('NOTES')) { $help.Notes = ConvertTo-HelpParagraphs $sections['NOTES'][0].Lines }
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($line in $sections['RELATED LINKS'][0].Lines) {
            if ($line -match '^\s*[-*]\s+\[(.+?)\]\((.*?)\)') { $help.Links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] }) }
            elseif ($line -match '^\s*[-*]\s+(\S.*)$') { $help.Links.Add([pscustomobject]@{ Text = $Matches[1].Trim(); Uri = '' }) }
        }
    }
    [pscustomobject]$help
}

function Get-DocumentedParameter {
    <# The parameters a cmdlet's Markdown must document: all of them except the common parameters. #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $Command.Parameters.Values | Where-Object { $_.Name -notin $script:CommonParameterNames } | ForEach-Object Name
}

function Compare-HelpParameter {
    <# Problems between a Markdown file and the cmdlet: parameters not documented, or documented but gone. #>
    param([Parameter(Mandatory)] $Help, [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $real = @(Get-DocumentedParameter $Command)
    foreach ($name in $real) {
        if (-not $Help.Parameters.Contains($name)) { "$($Help.Path): -$name of $($Command.Name) is not documented (add '### -$name' under '## PARAMETERS')." }
    }
    foreach ($name in $Help.Parameters.Keys) {
        if ($name -notin $real -and $name -notin $script:CommonParameterNames) {
            "$($Help.Path):$($Help.ParameterLines[$name]): -$name is documented but $($Command.Name) has no such parameter (remove it or fix the name)."
        }
    }
}

function Get-TypeDisplayName([type] $Type) {
    # What Get-Help users expect to read: String[], Int32, NerSentence[], Object.
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition().FullName -eq 'System.Nullable`1') { return Get-TypeDisplayName $Type.GetGenericArguments()[0] }
    $Type.Name
}

function Get-ParameterValues([System.Management.Automation.ParameterMetadata] $Parameter) {
    # The values a parameter accepts when they are a closed set: ValidateSet, or the names of an enum.
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return @($set.ValidValues) }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    if ($type.IsEnum) { return [Enum]::GetNames($type) }
    @()
}

function Write-HelpParagraphs([Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:MamlNs, $p) }
    $Writer.WriteEndElement()
}

function Write-MamlParameter {
    param([Xml.XmlWriter] $Writer, [System.Management.Automation.ParameterMetadata] $Parameter, $Documented,
        [System.Management.Automation.CommandParameterInfo] $InSet)
    $w = $Writer
    $sets = $Parameter.ParameterSets.Values
    $required = if ($InSet) { $InSet.IsMandatory } else { @($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0 }
    $position = if ($InSet) { $InSet.Position } else { ($sets | Select-Object -First 1).Position }
    $byValue = if ($InSet) { $InSet.ValueFromPipeline } else { [bool]($sets | Where-Object ValueFromPipeline) }
    $byName = if ($InSet) { $InSet.ValueFromPipelineByPropertyName } else { [bool]($sets | Where-Object ValueFromPipelineByPropertyName) }
    $pipeline = @($(if ($byName) { 'ByPropertyName' }), $(if ($byValue) { 'ByValue' })) | Where-Object { $_ }
    $isSwitch = $Parameter.SwitchParameter
    $w.WriteStartElement('command', 'parameter', $script:CommandNs)
    $w.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $wildcards = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $w.WriteAttributeString('globbing', $wildcards.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($position -ge 0) { [string]$position } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-HelpParagraphs $w $Documented.Description
    $values = @(Get-ParameterValues $Parameter)
    $typeName = Get-TypeDisplayName $Parameter.ParameterType
    if ($InSet -and $values.Count) {
        Write-ParameterValueGroup $w $values
    }
    elseif (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $w.WriteAttributeString('required', 'true'); $w.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
        $w.WriteString($typeName); $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $script:DevNs)
    $w.WriteElementString('maml', 'name', $script:MamlNs, $typeName)
    $w.WriteEndElement()
    $default = if ($Documented.Default) { $Documented.Default } elseif ($isSwitch) { 'False' } else { 'None' }
    $w.WriteElementString('dev', 'defaultValue', $script:DevNs, $default)
    if (-not $InSet -and $values.Count) {
        # Get-Help -Full shows these as "Accepted values".
        Write-ParameterValueGroup $w $values
    }
    $w.WriteEndElement()
}

# The list of allowed values of a parameter (a ValidateSet, an enum): the syntax block shows it as
# {A | B}, Get-Help -Full as "Accepted values".
function Write-ParameterValueGroup($w, [string[]] $Values) {
    $w.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
    foreach ($v in $Values) {
        $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $w.WriteAttributeString('required', 'false'); $w.WriteAttributeString('command', 'variableLength', $script:CommandNs, 'false')
        $w.WriteString($v); $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'

$script:ShouldProcessHelp = @{
    WhatIf  = [pscustomobject]@{ Description = @('Shows what would happen if the cmdlet runs. The cmdlet is not run.'); Default = 'False' }
    Confirm = [pscustomobject]@{ Description = @('Prompts you for confirmation before running the cmdlet.'); Default = 'False' }
}

function Write-MamlCommand {
    param([Xml.XmlWriter] $Writer, $Help, [System.Management.Automation.CmdletInfo] $Command)
    $w = $Writer
    $documented = { param($name) if ($Help.Parameters.Contains($name)) { $Help.Parameters[$name] } elseif ($script:ShouldProcessHelp.ContainsKey($name)) { $script:ShouldProcessHelp[$name] } }
    $shown = { param($name) $Help.Parameters.Contains($name) -or $script:ShouldProcessHelp.ContainsKey($name) }

    $w.WriteStartElement('command', 'command', $script:CommandNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
    $w.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
    $w.WriteStartElement('command', 'details', $script:CommandNs)
    $w.WriteElementString('command', 'name', $script:CommandNs, $Command.Name)
    $w.WriteElementString('command', 'verb', $script:CommandNs, $Command.Verb)
    $w.WriteElementString('command', 'noun', $script:CommandNs, $Command.Noun)
    Write-HelpParagraphs $w @($Help.Synopsis)
    $w.WriteEndElement()
    Write-HelpParagraphs $w $Help.Description

    $w.WriteStartElement('command', 'syntax', $script:CommandNs)
    foreach ($set in $Command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $w.WriteElementString('maml', 'name', $script:MamlNs, $Command.Name)
        # PowerShell's own order: positional parameters by position, then the rest as declared.
        $ordered = @($set.Parameters | Where-Object { $_.Position -ge 0 } | Sort-Object Position) + @($set.Parameters | Where-Object { $_.Position -lt 0 })
        foreach ($p in $ordered) {
            if ($p.Name -in [System.Management.Automation.Cmdlet]::CommonParameters -or -not (& $shown $p.Name)) { continue }
            Write-MamlParameter $w $Command.Parameters[$p.Name] (& $documented $p.Name) $p
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $script:CommandNs)
    $names = @($Help.Parameters.Keys | Where-Object { $Command.Parameters.ContainsKey($_) }) +
        @('WhatIf', 'Confirm' | Where-Object { $Command.Parameters.ContainsKey($_) -and -not $Help.Parameters.Contains($_) })
    foreach ($name in $names) { Write-MamlParameter $w $Command.Parameters[$name] (& $documented $name) $null }
    $w.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $Help.Inputs), @('returnValues', 'returnValue', $Help.Outputs))) {
        $w.WriteStartElement('command', $kind[0], $script:CommandNs)
        foreach ($t in $kind[2]) {
            $w.WriteStartElement('command', $kind[1], $script:CommandNs)
            $w.WriteStartElement('dev', 'type', $script:DevNs)
            $w.WriteElementString('maml', 'name', $script:MamlNs, $t.Type)
            $w.WriteEndElement()
            Write-HelpParagraphs $w $t.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $script:MamlNs)
    $w.WriteStartElement('maml', 'alert', $script:MamlNs)
    foreach ($p in $Help.Notes) { $w.WriteElementString('maml', 'para', $script:MamlNs, $p) }
    $w.WriteEndElement(); $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($e in $Help.Examples) {
        $w.WriteStartElement('command', 'example', $script:CommandNs)
        $w.WriteElementString('maml', 'title', $script:MamlNs, "-------------------------- $($e.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $script:DevNs, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $script:DevNs)
        foreach ($p in $e.Remarks) { $w.WriteElementString('maml', 'para', $script:MamlNs, $p) }
        $w.WriteElementString('maml', 'para', $script:MamlNs, '')   # a blank line before the next example
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
    foreach ($l in $Help.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
        $w.WriteElementString('maml', 'linkText', $script:MamlNs, $l.Text)
        $w.WriteElementString('maml', 'uri', $script:MamlNs, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

function Export-MamlHelp {
    <#
    .SYNOPSIS
        Writes the MAML help file for every cmdlet of a module from docs/help/<Cmdlet-Name>.md.
    .DESCRIPTION
        Imports the module (run it in a child pwsh: the import loads the module's assemblies for good), reads each
        exported cmdlet's Markdown and writes one MAML file atomically. A cmdlet without a Markdown file, or a
        parameter list that does not match the cmdlet, is reported as a warning (tests/Pester/Help.Tests.ps1 fails
        on it); a Markdown file that cannot be read is an error.
    .EXAMPLE
        . ./src/Build/MarkdownHelp.ps1; Export-MamlHelp -MarkdownFolder docs/help -ModuleManifest out/BertNer/BertNer.psd1 -OutputPath out/BertNer/en-US/BertNer.PowerShell.dll-Help.xml
    #>
    param(
        [Parameter(Mandatory)] [string] $MarkdownFolder,
        [Parameter(Mandatory)] [string] $ModuleManifest,
        [Parameter(Mandatory)] [string] $OutputPath
    )
    $ErrorActionPreference = 'Stop'
    $module = Import-Module (Resolve-Path -LiteralPath $ModuleManifest).ProviderPath -PassThru -Force
    $cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $full = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
    New-Item -ItemType Directory (Split-Path $full) -Force | Out-Null
    $tmp = "$full.$PID.tmp"
    $writer = [Xml.XmlWriter]::Create($tmp, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($cmdlet in $cmdlets) {
            $md = Join-Path $MarkdownFolder "$($cmdlet.Name).md"
            if (-not (Test-Path $md)) { Write-Warning "$($cmdlet.Name) has no help: write $md."; continue }
            $help = Read-MarkdownHelp $md
            if ($help.Name -ne $cmdlet.Name) { throw "${md}: the title is '# $($help.Name)'; expected '# $($cmdlet.Name)'." }
            foreach ($problem in Compare-HelpParameter $help $cmdlet) { Write-Warning $problem }
            Write-MamlCommand $writer $help $cmdlet
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
        $writer.Dispose()
        Move-Item $tmp $full -Force
    }
    finally {
        $writer.Dispose()
        if (Test-Path $tmp) { Remove-Item $tmp -Force }
    }
    Get-Item $full
}
