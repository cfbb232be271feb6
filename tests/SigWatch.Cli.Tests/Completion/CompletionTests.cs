using SigWatch.Cli.Output;
using SigWatch.TestSupport;

namespace SigWatch.Cli.Tests.Completion;

/// <summary>`sigwatch completion`: scripts made from the command tree, run by the real shell.</summary>
public sealed class CompletionTests
{
    private static string Script(string shell)
    {
        var output = new StringWriter();
        var exit = CliApp.Run(["completion", shell], new CliConsole(output, new StringWriter(), errorIsTerminal: false));
        Assert.Equal(0, exit);
        return output.ToString();
    }

    [Theory]
    [InlineData("li", "list")]
    [InlineData("do", "doctor")]
    [InlineData("ver", "version")]
    [InlineData("list --ver", "--verdict")]
    [InlineData("events --li", "--limit")]
    [InlineData("check --req", "--requirement --requirement-file")]
    public async Task Bash_CompletesCommandsAndEachCommandsOptions(string typed, string expected)
    {
        using var dir = new TempDirectory();
        var script = dir.Combine("sigwatch.bash");
        File.WriteAllText(script, Script("bash"));
        var words = string.Join(' ', new[] { "sigwatch" }.Concat(typed.Split(' ')).Select(w => $"'{w}'"));
        var probe = $"source '{script}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _sigwatch; echo \"${{COMPREPLY[*]}}\"";
        var result = await ExternalProgram.RunAsync("bash", ["-c", probe], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.Stdout.Trim());
    }

    [Fact]
    public void FishAndZsh_NameEveryCommand()
    {
        var fish = Script("fish");
        var zsh = Script("zsh");
        foreach (var command in new[] { "agent", "check", "completion", "doctor", "events", "list", "rescan", "show", "status", "version" })
        {
            Assert.Contains($"-a {command} ", fish, StringComparison.Ordinal);
            Assert.Contains(command, zsh, StringComparison.Ordinal);
        }

        Assert.Contains("complete -c sigwatch -n '__fish_seen_subcommand_from list' -l verdict", fish, StringComparison.Ordinal);
        Assert.Contains("bashcompinit", zsh, StringComparison.Ordinal);
    }

    [RequiresToolFact("shellcheck", "shellcheck")]
    public async Task BashScript_PassesShellcheck()
    {
        using var dir = new TempDirectory();
        var script = dir.Combine("sigwatch.bash");
        File.WriteAllText(script, Script("bash"));
        var result = await ExternalProgram.RunAsync("shellcheck", ["-s", "bash", script], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
