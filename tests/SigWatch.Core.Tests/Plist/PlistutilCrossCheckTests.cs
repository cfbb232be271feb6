using System.Diagnostics;
using CsCheck;
using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Independent cross-check against libplist's plistutil (Debian libplist-utils): our binary output converted by
/// plistutil to XML reads back equal, and plistutil's binary conversion of our XML reads back equal.
/// </summary>
public sealed class PlistutilCrossCheckTests : IDisposable
{
    private const int Trees = 1000;
    private readonly string _dir = Directory.CreateTempSubdirectory("sigwatch-plistutil-").FullName;
    private int _counter;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [RequiresToolFact("plistutil", "libplist-utils")]
    public void CrossCheck_OurBinary_PlistutilToXml_ReadsBackEqual()
    {
        PlistGenerators.Tree(PlistGenerators.CrossCheck).Sample(value =>
        {
            var converted = Convert(BinaryPropertyListWriter.Write(value), "xml");
            PlistAssert.Equal(value, XmlPropertyListReader.Read(converted));
        }, iter: Trees, threads: 2);
        Assert.True(_counter >= Trees, $"only {_counter} trees went through plistutil");
    }

    [RequiresToolFact("plistutil", "libplist-utils")]
    public void CrossCheck_OurXml_PlistutilToBinary_ReadsBackEqual()
    {
        PlistGenerators.Tree(PlistGenerators.CrossCheck).Sample(value =>
        {
            var converted = Convert(XmlPropertyListWriter.Write(value), "bin");
            PlistAssert.Equal(value, BinaryPropertyListReader.Read(converted));
        }, iter: Trees, threads: 2);
        Assert.True(_counter >= Trees, $"only {_counter} trees went through plistutil");
    }

    /// <summary>Runs <c>plistutil -i in -o out -f format</c> and returns the output bytes.</summary>
    private byte[] Convert(byte[] input, string format)
    {
        var n = Interlocked.Increment(ref _counter);
        var inPath = Path.Combine(_dir, $"{n}.in");
        var outPath = Path.Combine(_dir, $"{n}.out");
        File.WriteAllBytes(inPath, input);
        using var process = Process.Start(new ProcessStartInfo("plistutil", ["-i", inPath, "-o", outPath, "-f", format])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"plistutil -f {format} failed ({process.ExitCode}): {stderr}");
        var output = File.ReadAllBytes(outPath);
        File.Delete(inPath);
        File.Delete(outPath);
        return output;
    }
}
