"""``kubectl karp completion SHELL``: print a completion script for ``kubectl-karp``.

bash, zsh and fish get click's scripts, which call ``kubectl-karp`` back with
``_KUBECTL_KARP_COMPLETE=<shell>_complete``; PowerShell gets the script below, which uses
the same Cobra-style answer kubectl reads from ``kubectl_complete-karp``. Completion of
``kubectl karp …`` (with a space) is kubectl's own and needs ``kubectl_complete-karp`` on
PATH instead.
"""

from __future__ import annotations

import click

SHELL_NAMES = ("bash", "zsh", "fish", "powershell")

# Our own script: PowerShell's native argument completer, fed by the Cobra-style answer
# (candidates as "value<TAB>description", then ":directive"). An empty word to complete is
# signalled through the environment because Windows PowerShell drops empty arguments.
POWERSHELL_SCRIPT = r"""# kubectl-karp completion for PowerShell.
# Load it with:  kubectl karp completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName 'kubectl-karp', 'kubectl-karp.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
        Select-Object -Skip 1 |
        ForEach-Object { $_.ToString() })
    $mode = 'cobra'
    if ($wordToComplete -eq '') { $mode = 'cobra_new' }
    $previous = $env:_KUBECTL_KARP_COMPLETE
    $env:_KUBECTL_KARP_COMPLETE = $mode
    try {
        $answer = @(& kubectl-karp @words 2>$null)
    } finally {
        $env:_KUBECTL_KARP_COMPLETE = $previous
    }
    if ($answer.Count -eq 0) { return }
    $directive = 0
    $last = $answer[-1]
    if ($last -match '^:(\d+)$') {
        $directive = [int]$Matches[1]
        $answer = @($answer | Select-Object -SkipLast 1)
    }
    $results = @(foreach ($line in $answer) {
        $value, $help = $line -split "`t", 2
        if (-not $value) { continue }
        if (-not $help) { $help = $value }
        $text = $value
        if (($directive -band 2) -eq 0) { $text = "$value " }
        [System.Management.Automation.CompletionResult]::new(
            $text, $value, 'ParameterValue', $help)
    })
    if ($results.Count -eq 0 -and ($directive -band 4) -ne 0) {
        # No candidates and no file names wanted: an empty answer would fall back to paths.
        return [System.Management.Automation.CompletionResult]::new(
            ' ', ' ', 'ParameterValue', ' ')
    }
    $results
}
"""


def script_for(shell: str) -> str:
    """The completion script for ``shell`` (one of SHELL_NAMES), ending in a newline."""
    if shell == "powershell":
        return POWERSHELL_SCRIPT
    from kubectl_karp.cli.app import cli
    from kubectl_karp.cli.complete import ENV_VAR, PROG_NAME, shell_complete_class

    text = shell_complete_class(shell)(cli, {}, PROG_NAME, ENV_VAR).source()
    return text if text.endswith("\n") else text + "\n"


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELL_NAMES))
def completion(shell: str) -> int:
    """Print a completion script for kubectl-karp.

    `kubectl karp <TAB>` is completed by kubectl itself (1.26 or later) once
    kubectl's own completion is loaded and kubectl_complete-karp is on PATH (pip installs
    it; with krew, link it into ~/.krew/bin, see the install guide). The scripts
    printed here complete the kubectl-karp command name.

    \b
    Examples:
      source <(kubectl karp completion bash)         # ~/.bashrc
      kubectl karp completion zsh > "${fpath[1]}/_kubectl-karp"
      kubectl karp completion fish > ~/.config/fish/completions/kubectl-karp.fish
      kubectl karp completion powershell | Out-String | Invoke-Expression
    """
    click.echo(script_for(shell), nl=False)
    return 0
