#!/usr/bin/env bash
# Installs PowerShell 7.6.9 from NuGet as a local .NET tool when pwsh is missing, then runs build.ps1.
# Usage: ./build.sh -Test | ./build.sh -Demo | ./build.sh [build.ps1 parameters]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pwsh_bin="$here/.tools/pwsh/pwsh"
if [ ! -x "$pwsh_bin" ]; then
  echo "== Installing PowerShell 7.6.9 into .tools/pwsh (dotnet tool, from NuGet)"
  dotnet tool install --tool-path "$here/.tools/pwsh" PowerShell --version 7.6.9 >/dev/null
fi
export BERTNER_PWSH="$pwsh_bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
exec "$pwsh_bin" -NoProfile -NonInteractive -File "$here/build.ps1" "$@"
