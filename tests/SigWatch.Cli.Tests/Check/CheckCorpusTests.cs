using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.TestSupport.Corpus;

namespace SigWatch.Cli.Tests.Check;

/// <summary>`sigwatch check --json` over the real NuGet corpus: verdict, classification and per-slice cdhash as the independent facts say.</summary>
public sealed class CheckCorpusTests
{
    public static TheoryData<string> Files => NuGetCorpus.FileNames();

    [Theory]
    [MemberData(nameof(Files))]
    public void CheckJson_RealFile_ReportsTheVerdictAndEachSlicesCdHash(string name)
    {
        var file = NuGetCorpus.Get(name);
        file.Read(); // the bytes the facts are about

        var output = new StringWriter();
        var exit = CliApp.Run(["check", file.FullPath, "--json"], new CliConsole(output, new StringWriter(), errorIsTerminal: false));

        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        var expected = file.Slices.All(s => !s.Signed) ? "unsigned" : file.Slices.Any(s => !s.Signed) ? "invalid" : "valid";
        Assert.Equal(expected, root.GetProperty("verdict").GetString());
        Assert.Equal(expected == "valid" ? ExitCodes.Ok : ExitCodes.Invalid, exit);
        if (file.Slices.All(s => !s.Signed))
        {
            return;
        }

        var architectures = root.GetProperty("signature").GetProperty("architectures").EnumerateArray().ToList();
        foreach (var facts in file.Slices.Where(s => s.Signed))
        {
            var arch = Assert.Single(architectures, a => a.GetProperty("cpu").GetString() == facts.Arch);
            var best = facts.CodeDirectories.OrderByDescending(cd => cd.HashType switch { 4 => 3, 2 => 2, 3 => 1, _ => 0 }).First();
            Assert.Equal(best.CdHash, arch.GetProperty("cdhash").GetString());
        }

        if (file.Slices.Where(s => s.Signed).Select(s => s.Team).Distinct().SingleOrDefault() is { } team)
        {
            Assert.Equal(team, root.GetProperty("signature").GetProperty("teamId").GetString());
        }
    }
}
