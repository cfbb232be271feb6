using System.Security.Cryptography;
using System.Text;
using System.Xml;
using BenchmarkDotNet.Attributes;
using SigWatch.Core.Plist;

namespace SigWatch.Benchmarks.Plist;

/// <summary>
/// Issue #2's budget: reading a 1 MB CodeResources XML must cost at most 2x a bare XmlReader pass over the
/// same bytes (every node read, every text value materialised). The document is generated in the shape
/// codesign writes: files (SHA-1 data), files2 (dicts with hash + hash2 data), rules and rules2.
/// </summary>
[MemoryDiagnoser]
// More iterations than ShortRun: the build machine is shared, and the ratio is what matters.
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class PlistReadBenchmarks
{
    private byte[] _xml = [];
    private byte[] _binary = [];

    [GlobalSetup]
    public void Setup()
    {
        _xml = XmlPropertyListWriter.Write(BuildCodeResources(targetBytes: 1024 * 1024));
        _binary = BinaryPropertyListWriter.Write(PropertyList.Read(_xml));
        Console.WriteLine($"// CodeResources XML: {_xml.Length} bytes; same tree as bplist00: {_binary.Length} bytes");
    }

    [Benchmark(Baseline = true, Description = "Bare XmlReader pass")]
    public int BareXmlReader()
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
        using var reader = XmlReader.Create(new MemoryStream(_xml, writable: false), settings);
        var total = 0;
        while (reader.Read())
        {
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.CDATA)
            {
                total += reader.Value.Length;
            }
        }

        return total;
    }

    [Benchmark(Description = "PropertyList.Read (XML)")]
    public PlistValue ReadXml() => PropertyList.Read(_xml);

    [Benchmark(Description = "PropertyList.Read (binary, same tree)")]
    public PlistValue ReadBinary() => PropertyList.Read(_binary);

    /// <summary>A CodeResources-shaped tree of roughly <paramref name="targetBytes"/> once written as XML.</summary>
    internal static PlistDictionary BuildCodeResources(int targetBytes)
    {
        var files = new List<KeyValuePair<string, PlistValue>>();
        var files2 = new List<KeyValuePair<string, PlistValue>>();
        var seed = new byte[32];
        for (var i = 0; files.Count * 330 < targetBytes; i++)
        {
            BitConverter.TryWriteBytes(seed, i);
            var sha1 = SHA1.HashData(seed);
            var sha256 = SHA256.HashData(seed);
            // "&" in keys: real CodeResources keys carry escaped characters too.
            var path = $"Resources/{(i % 7 == 0 ? "en.lproj/" : string.Empty)}Assets & more/image_{i:D6}.png";
            files.Add(new(path, new PlistData(sha1)));
            var entry = new List<KeyValuePair<string, PlistValue>>
            {
                new("hash", new PlistData(sha1)),
                new("hash2", new PlistData(sha256)),
            };
            if (i % 7 == 0)
            {
                entry.Add(new("optional", PlistBoolean.True));
            }

            files2.Add(new(path, new PlistDictionary(entry)));
        }

        PlistDictionary Rule(double weight, bool omit) => new(
        [
            new("omit", PlistBoolean.From(omit)),
            new("weight", new PlistReal(weight)),
        ]);

        var rules = new PlistDictionary(
        [
            new("^Resources/", PlistBoolean.True),
            new("^Resources/.*\\.lproj/", Rule(1000, false)),
            new("^Resources/.*\\.lproj/locversion.plist$", Rule(1100, true)),
            new("^version.plist$", PlistBoolean.True),
        ]);
        var rules2 = new PlistDictionary(
        [
            new(".*\\.dSYM($|/)", Rule(11, false)),
            new("^(.*/)?\\.DS_Store$", Rule(2000, true)),
            new("^Resources/", Rule(20, false)),
            new("^[^/]+$", new PlistDictionary([new("nested", PlistBoolean.True), new("weight", new PlistReal(10))])),
        ]);
        return new PlistDictionary(
        [
            new("files", new PlistDictionary(files)),
            new("files2", new PlistDictionary(files2)),
            new("rules", rules),
            new("rules2", rules2),
        ]);
    }
}
