using SigWatch.Cli.Output;
using SigWatch.Core.Verification;
using SigWatch.Cli.Commands.Check;

namespace SigWatch.Cli.Tests.Check;

public sealed class NativeCheckTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, errorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void CheckNative_OffMacOS_IsAUsageErrorThatSaysWhy()
    {
        if (OperatingSystem.IsMacOS())
        {
            var (exitOnMac, _, _) = Run("check", "--native", "/bin/ls");
            Assert.Equal(ExitCodes.Ok, exitOnMac);
            return;
        }

        var (exit, output, error) = Run("check", "--native", "/bin/ls");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Empty(output);
        Assert.Contains("--native needs macOS", error);
    }

    [Fact]
    public void NativeJson_CarriesVerdictSigningAndFindings()
    {
        var assessment = new CodeSignatureAssessment("native", "/Applications/Demo.app", AssessmentVerdict.Invalid,
            [new Finding(FindingKind.FileAdded, FindingSeverity.Error, "file added to the bundle after signing", "Resources/x")],
            new SigningSummary("com.example.demo", "ABCDE12345", "00ff", 0x10000, ["ab"], null, null, true, "identifier \"com.example.demo\""));

        var json = NativeCheck.ToJson(assessment);

        Assert.Equal("invalid", json.Verdict);
        Assert.Equal("native", json.Validator);
        Assert.Equal("0x10000", json.Signature?.Flags);
        var finding = Assert.Single(json.Findings);
        Assert.Equal(("file-added", "error", "Resources/x"), (finding.Kind, finding.Severity, finding.Path));
    }
}
