using System.Text;
using SigWatch.Core.Plist;
using SigWatch.Fuzz;

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
            DiskImageSeed(),
            TestSupport.Builders.XarBuilder.Component("com.example.fuzz", "1", "/").Build(),
            SmallZip(),
        ];
        var log = new StringWriter();
        var failures = SmokeRunner.Run(FuzzTargets.All[name], seeds, iterations: 2000, randomSeed: 11, log);
        Assert.True(failures == 0, log.ToString());
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

    /// <summary>64 data bytes, an empty embedded-signature SuperBlob, and a koly trailer pointing at it.</summary>
    private static byte[] DiskImageSeed()
    {
        var image = new byte[64 + 12 + Core.DiskImages.UdifTrailer.Size];
        var span = image.AsSpan();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[64..], 0xFADE0CC0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[68..], 12);
        var trailer = span[76..];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(trailer, Core.DiskImages.UdifTrailer.Magic);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(trailer[4..], 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(trailer[8..], Core.DiskImages.UdifTrailer.Size);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(trailer[Core.DiskImages.UdifTrailer.SignatureOffsetField..], 64);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(trailer[Core.DiskImages.UdifTrailer.SignatureLengthField..], 12);
        return image;
    }
}
