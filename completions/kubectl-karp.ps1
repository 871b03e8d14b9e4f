# kubectl-karp completion for PowerShell.
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
