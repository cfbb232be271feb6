using SigWatch.Cli.Output;

namespace SigWatch.Cli.Tests;

/// <summary>The CLI's parsing and exit codes, through the same entry point the executable uses.</summary>
public sealed class CliUsageTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, errorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("status", "--bogus")]
    [InlineData("show")]
    [InlineData("events", "--after", "-3")]
    [InlineData("events", "--after", "soon")]
    [InlineData("check", "")]
    [InlineData("events", "--limit", "0")]
    [InlineData("events", "--limit", "100001")]
    [InlineData("list", "--verdict", "bogus")]
    [InlineData("list", "--unsigned", "--verdict", "valid")]
    [InlineData("completion", "tcsh")]
    [InlineData("agent", "--log-file", "/proc/sigwatch-agent.log")]
    public void Run_BadUsage_ExitsTwoWithAMessage(params string[] args)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("sigwatch: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_ListsEveryCommand()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var command in new[] { "agent", "check", "doctor", "events", "list", "rescan", "show", "status", "version" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_ShowByIdNotANumber_ExitsTwo()
    {
        var (exit, _, err) = Run("show", "abc", "--id", "--socket", "/tmp/none.sock");
        Assert.Equal(2, exit);
        Assert.Contains("--id", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EventsAfterNotANumber_SaysWhichOptionWantedWhat()
    {
        var (exit, _, err) = Run("events", "--after", "abc");
        Assert.Equal(2, exit);
        Assert.Contains("--after takes an event id, a whole number from 0", err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int64", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CheckWithARequirementSyntaxError_FailsBeforePrintingAnyReport()
    {
        var (exit, output, err) = Run("check", "--requirement", "anchor apple generic and (", "/bin/ls");
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("sigwatch: --requirement: syntax error at line 1, column 27", err, StringComparison.Ordinal);
    }
}
