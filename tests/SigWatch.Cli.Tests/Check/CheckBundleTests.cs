using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Cli.Tests.Check;

public sealed class CheckBundleTests : IDisposable
{
    private const string Nfc = "caf\u00e9.txt";
    private const string Nfd = "cafe\u0301.txt";
    private readonly TempDirectory _temp = new("chkb");

    public void Dispose() => _temp.Dispose();

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, errorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }

    private string App() => new BundleBuilder("Test.app").WithFile("Resources/a.txt", "a").WithFile("Resources/" + Nfc, "é")
        .WithFramework("Kit").Build(_temp.Path);

    [Fact]
    public void Check_SealedApp_ExitsZeroWithLayoutNestedCodeAndVerdict()
    {
        var app = App();
        var (exit, output, error) = Run("check", app);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error);
        Assert.Contains("Layout=deep", output);
        Assert.Contains($"Executable={Path.Join(app, "Contents", "MacOS", "Test")}{Environment.NewLine}", output);
        Assert.Contains("Nested=Frameworks/Kit.framework valid (requirement satisfied)", output);
        Assert.EndsWith("Verdict: valid (ad-hoc)" + Environment.NewLine, output);
    }

    [Fact]
    public void Check_AppWithTruncatedExecutable_IsInvalidInJsonWithTheDamageNotUnsigned()
    {
        var app = App();
        using (var executable = File.OpenWrite(Path.Combine(app, "Contents", "MacOS", "Test")))
        {
            executable.SetLength(1000);
        }

        var (exit, output, _) = Run("check", app, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("invalid", doc.RootElement.GetProperty("verdict").GetString());
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (Kind: f.GetProperty("kind").GetString(), Detail: f.GetProperty("detail").GetString()!)).ToList();
        Assert.DoesNotContain(findings, f => f.Kind == "not-signed");
        Assert.Contains(findings, f => f.Kind == "malformed-signature" && f.Detail.Contains("the signature data is missing"));
        Assert.Contains(findings, f => f.Kind == "bad-main-executable");
    }

    [Fact]
    public void Check_AddedFile_ExitsOneListingTheFileAndExplainingIt()
    {
        var app = App();
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "._a.txt"), "x");

        var (exit, output, _) = Run("check", app);

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains($"{app}: a sealed resource is missing or invalid", output);
        Assert.Contains("error file-added Resources/._a.txt: file added", output);
        Assert.Contains("diagnosis appledouble: ", output);
        Assert.Contains("  remedy: delete them", output);
        Assert.Contains("Verdict: invalid", output);
    }

    [Fact]
    public void CheckJson_NormalizationMismatch_KeepsTheRawPairAndEscapedForms()
    {
        var app = App();
        var resources = Path.Combine(app, "Contents", "Resources");
        File.Move(Path.Combine(resources, Nfc), Path.Combine(resources, Nfd));

        var (exit, output, _) = Run("check", app, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("bundle", root.GetProperty("kind").GetString());
        Assert.Equal("invalid", root.GetProperty("verdict").GetString());
        var finding = Assert.Single(root.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "error");
        Assert.Equal("normalization-mismatch", finding.GetProperty("kind").GetString());
        var diagnosis = Assert.Single(root.GetProperty("diagnoses").EnumerateArray(), d => d.GetProperty("kind").GetString() == "normalization-mismatch");
        Assert.Equal(["Resources/" + Nfd, "Resources/" + Nfc], diagnosis.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["Resources/cafe<U+0301>.txt", "Resources/caf<U+00E9>.txt"], diagnosis.GetProperty("pathsEscaped").EnumerateArray().Select(p => p.GetString()));
        Assert.False(string.IsNullOrEmpty(diagnosis.GetProperty("remedy").GetString()));
        Assert.Equal("deep", root.GetProperty("bundle").GetProperty("layout").GetString());
    }

    [Fact]
    public void CheckJson_BundleWithoutExecutable_DetachedFormatAndNoMainExecutable()
    {
        var bundle = new BundleBuilder("Plain.bundle") { ExecutableName = null }.WithFile("Resources/key.pem", "k").Build(_temp.Path);

        var (exit, output, _) = Run("check", bundle, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("detached signature (_CodeSignature files)", doc.RootElement.GetProperty("signature").GetProperty("format").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("bundle").GetProperty("mainExecutable").ValueKind);
    }

    [Fact]
    public void Check_OnTerminal_EndingBeforeTheProgressDelay_DrawsNoProgressBar()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(output, error, errorIsTerminal: true) { ProgressDelay = TimeSpan.FromMinutes(1) };
        var exit = CliApp.Run(["check", App()], console);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void ProgressBar_PastTheDelay_DrawsTheFilesDoneAndReturnsTheResult()
    {
        var error = new StringWriter();
        var bar = new Commands.Check.ProgressBar(TerminalOver(error), TimeSpan.Zero);

        var result = bar.Run(() =>
        {
            bar.Report(new Core.Seal.SealProgress(5, 10, 50, 100));
            Thread.Sleep(500);
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Contains("5/10 files", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressBar_WorkDoneBeforeTheDelay_DrawsNothing()
    {
        var error = new StringWriter();
        var bar = new Commands.Check.ProgressBar(TerminalOver(error), TimeSpan.FromSeconds(30));

        var result = bar.Run(() =>
        {
            bar.Report(new Core.Seal.SealProgress(5, 10, 50, 100));
            return 7;
        });

        Assert.Equal(7, result);
        Assert.Empty(error.ToString());
    }

    private static Spectre.Console.IAnsiConsole TerminalOver(TextWriter writer) => Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
    {
        Out = new Spectre.Console.AnsiConsoleOutput(writer),
        Ansi = Spectre.Console.AnsiSupport.Yes,
        Interactive = Spectre.Console.InteractionSupport.Yes,
    });

    [Fact]
    public void CheckCache_SecondRunHashesNothingAndFullHashesAgain()
    {
        var app = App();
        var cache = Path.Combine(_temp.Path, "cache.tsv");

        long Hashed(params string[] extra)
        {
            var (exit, output, _) = Run(["check", app, "--json", "--cache", cache, .. extra]);
            Assert.Equal(ExitCodes.Ok, exit);
            using var doc = JsonDocument.Parse(output);
            return doc.RootElement.GetProperty("bundle").GetProperty("statistics").GetProperty("filesHashed").GetInt64();
        }

        Assert.Equal(4, Hashed()); // a.txt, café.txt, and the framework's Resources/Kit.txt and Resources/Info.plist
        Assert.Equal(0, Hashed());
        Assert.Equal(4, Hashed("--full"));
    }
}
