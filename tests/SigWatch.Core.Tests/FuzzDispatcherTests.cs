using System.Text;
using SigWatch.Core.Plist;
using SigWatch.Fuzz;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests;

/// <summary>Every target the fuzz executable dispatches to survives a seeded smoke run (what CI runs of the fuzzers).</summary>
public sealed class FuzzDispatcherTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_SeededMutations_NoUnexpectedException(string name)
    {
        List<byte[]> seeds =
        [
            Encoding.UTF8.GetBytes("0083;6723b9fa;Safari;02162070-0D2C-4A3B-9AE2-1234567890AB"),
            Encoding.UTF8.GetBytes("anchor apple generic and identifier \"com.example\" and certificate leaf[subject.OU] = ABCDE12345"),
            BinaryPropertyListWriter.Write(new PlistArray(new PlistString("https://example.com/a.zip"), new PlistInteger(7))),
            XmlPropertyListWriter.Write(new PlistDictionary([new("CFBundleIdentifier", new PlistString("x"))])),
            [0xFA, 0xDE, 0x0C, 0x01, 0, 0, 0, 12, 0, 0, 0, 0],
            SeedCorpus.MinimalDiskImage(),
            XarBuilder.Component("com.example.fuzz", "1", "/").Build(),
            SmallZip(),
        ];
        var log = new StringWriter();
        var failures = SmokeRunner.Run(FuzzTargets.All[name], seeds, iterations: 2000, randomSeed: 11, log);
        Assert.True(failures == 0, log.ToString());
    }

    [RealFixturesFact]
    public void SeedCorpus_FromTheRealFixtures_SeedsEveryTarget_AndEachSurvivesItsSmokeRun()
    {
        using var dir = new TempDirectory("seeds");
        var written = SeedCorpus.Write(RepoPaths.RealFixtures, dir.Path);
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), written.Select(w => w.Target).Order(StringComparer.Ordinal));
        var log = new StringWriter();
        foreach (var (target, count) in written)
        {
            // Every target gets several inputs: the fixtures' and, for the archive parsers, the variants made here.
            Assert.True(count >= (target is "installer-package" or "zip-listing" or "disk-image" ? 4 : 3), $"{target}: {count} seeds");
            var seeds = Directory.GetFiles(Path.Combine(dir.Path, target)).Select(File.ReadAllBytes).ToList();
            Assert.True(SmokeRunner.Run(FuzzTargets.All[target], seeds, iterations: 300, randomSeed: 5, log) == 0, $"{target}: {log}");
        }
    }

    private static byte[] SmallZip()
    {
        using var output = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntry("A.app/Contents/Info.plist");
            archive.CreateEntry("__MACOSX/._A.app");
        }

        return output.ToArray();
    }
}
