using System.Text;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Mutation fuzzing: whatever the bytes, the readers return a value or throw <see cref="PlistFormatException"/>,
/// never another exception type. Seeds are fixed so a failure reproduces.
/// </summary>
public sealed class PlistFuzzTests
{
    private const int Iterations = 3000;

    private static readonly byte[][] s_tokens =
    [
        "<"u8.ToArray(), ">"u8.ToArray(), "</"u8.ToArray(), "/>"u8.ToArray(), "&"u8.ToArray(), "&#0;"u8.ToArray(), "&#xD800;"u8.ToArray(),
        "<dict>"u8.ToArray(), "<array>"u8.ToArray(), "<key>"u8.ToArray(), "<integer>"u8.ToArray(), "<![CDATA["u8.ToArray(), "<!--"u8.ToArray(),
        "<!DOCTYPE x [<!ENTITY e \"&e;\">]>"u8.ToArray(), "\0"u8.ToArray(), [0xFF, 0xFE], [0xC3], "bplist00"u8.ToArray(),
    ];

    [Fact]
    public void Read_MutatedXml_OnlyTypedErrors()
    {
        var seed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(XmlPropertyListWriter.Write(BinaryPropertyListReaderTests.Sample)));
        var random = new Random(20261122);
        for (var i = 0; i < Iterations; i++)
        {
            AssertOnlyTypedErrors(Mutate(seed, random));
        }
    }

    [Fact]
    public void Read_MutatedBinary_OnlyTypedErrors()
    {
        var seed = BinaryPropertyListWriter.Write(BinaryPropertyListReaderTests.Sample);
        var random = new Random(1122);
        for (var i = 0; i < Iterations; i++)
        {
            AssertOnlyTypedErrors(Mutate(seed, random));
        }
    }

    [Fact]
    public void Read_RandomBytesAfterMagic_OnlyTypedErrors()
    {
        var random = new Random(7);
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            var prefix = random.Next(2) == 0 ? "bplist00"u8 : "<plist>"u8;
            AssertOnlyTypedErrors([.. prefix, .. bytes]);
        }
    }

    private static void AssertOnlyTypedErrors(byte[] input)
    {
        try
        {
            PropertyList.Read(input);
        }
        catch (PlistFormatException)
        {
        }
        catch (Exception ex)
        {
            Assert.Fail($"{ex.GetType().Name} escaped for input {Convert.ToBase64String(input)}: {ex}");
        }

        // The Try form must agree and must not throw either.
        _ = PropertyList.TryRead(input, out _, out _);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 32), bytes.Count - at));
                    break;
                case 2:
                    bytes.InsertRange(at, s_tokens[random.Next(s_tokens.Length)]);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    var from = random.Next(bytes.Count);
                    var length = Math.Min(random.Next(1, 64), bytes.Count - from);
                    bytes.InsertRange(at, bytes.GetRange(from, length));
                    break;
            }
        }

        return [.. bytes];
    }
}
