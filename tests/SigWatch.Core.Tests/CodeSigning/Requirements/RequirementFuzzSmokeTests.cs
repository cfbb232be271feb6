using System.Diagnostics;
using System.Text;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Fuzz;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Seeded, time-bounded runs of the fuzz targets in-process: thousands of mutated blobs and texts, where only the
/// typed errors may escape the decoder and parser (the targets catch those; anything else fails the test).
/// </summary>
public sealed class RequirementFuzzSmokeTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    private static IReadOnlyList<byte[]> Seeds()
    {
        var seeds = new List<byte[]>
        {
            RequirementSamples.Hex("FADE0C00 00000024 00000001 00000006 00000002 00000007 636F6D2E 666F6F00 0000000F"),
            RequirementSamples.Hex("FADE0C01 0000000C 00000000"),
            RequirementSamples.Hex("FADE0C00 00000017 00000001 80000077 00000003 AABBCC"),
        };
        foreach (var text in Texts())
        {
            seeds.Add(RequirementParser.ParseAny(text) switch
            {
                RequirementSet set => set.ToBlob(),
                Requirement single => single.ToBlob(),
                _ => throw new InvalidOperationException(),
            });
        }

        seeds.AddRange(RequirementSamples.FromRuntimePackage().Select(s => s.Blob).Take(3));
        return seeds;
    }

    private static string[] Texts() =>
    [
        "designated => anchor apple generic and identifier \"com.foo\" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = \"TEAMID\")",
        "info[CFBundleShortVersionString] >= \"1.0\" or entitlement[\"com.apple.security.app-sandbox\"] exists and ! notarized",
        "certificate leaf[timestamp.1.2.840.113635.100.6.1.33] < timestamp \"20190408000000Z\" or cdhash H\"0102030405060708090a0b0c0d0e0f1011121314\"",
        "host => anchor apple; library => (com.apple.x) or anchor apple beta or certificate -2 trusted or platform = 2 or legacy",
        "certificate root = H\"d83f2e6137f03de14122ca5b7a178664befd083e\" and info[K] = *\"a\"* and info[L] = 0x00ff",
    ];

    [Fact]
    public void DecodeTarget_SeededMutations_OnlyTypedErrorsEscape()
    {
        var random = new Random(20261122);
        var seeds = Seeds();
        int decoded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200_000 && (i < 5_000 || clock.Elapsed < Budget); i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], random);
            RequirementTargets.Decode(input);
            var isSet = input.Length >= 4 && input[3] == 0x01;
            var ok = isSet ? RequirementSet.TryDecode(input, out _, out _) : Requirement.TryDecode(input, out _, out _);
            if (ok)
            {
                decoded++;
            }
            else
            {
                rejected++;
            }
        }

        // Both paths must have been exercised, or the run proved nothing.
        Assert.True(decoded > 100, $"only {decoded} mutations decoded");
        Assert.True(rejected > 100, $"only {rejected} mutations rejected");
    }

    [Fact]
    public void ParseTarget_SeededRandomTexts_OnlyTypedErrorsEscape()
    {
        var random = new Random(1122);
        var texts = Texts();
        string[] vocabulary =
        [
            "identifier", "anchor", "apple", "generic", "certificate", "cert", "leaf", "root", "trusted", "info", "entitlement",
            "exists", "absent", "and", "or", "!", "(", ")", "[", "]", "=", "==", "<", ">", "<=", ">=", "~", "*", "-", ";", "=>",
            "designated", "library", "host", "cdhash", "platform", "notarized", "legacy", "timestamp", "always", "never",
            "\"str\"", "\"a\\\"b\"", "H\"0102030405060708090a0b0c0d0e0f1011121314\"", "H\"01\"", "0x00ff", "0x1", "42", "-1",
            "com.foo", "subject.CN", "field.1.2.3", "policy.1.2", "timestamp.1.2.840", "\"20190408000000Z\"", "<2019-04-08 00:00:00 +0000>",
            "/a/b", "#c\n", "/* c */", "// c\n", "\n", " ", "\t",
        ];
        int parsed = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200_000 && (i < 5_000 || clock.Elapsed < Budget); i++)
        {
            string text;
            if (random.Next(2) == 0)
            {
                var builder = new StringBuilder();
                for (var n = random.Next(1, 16); n > 0; n--)
                {
                    builder.Append(vocabulary[random.Next(vocabulary.Length)]).Append(' ');
                }

                text = builder.ToString();
            }
            else
            {
                var chars = texts[random.Next(texts.Length)].ToCharArray().ToList();
                for (var n = random.Next(1, 4); n > 0 && chars.Count > 0; n--)
                {
                    var at = random.Next(chars.Count);
                    switch (random.Next(3))
                    {
                        case 0:
                            chars.RemoveAt(at);
                            break;
                        case 1:
                            chars.Insert(at, (char)random.Next(0, 128));
                            break;
                        default:
                            chars[at] = (char)random.Next(0, 0x3000);
                            break;
                    }
                }

                text = new string(chars.ToArray());
            }

            RequirementTargets.Parse(text);
            if (RequirementParser.TryParseExpression(text, out _, out _) || text.Contains("=>", StringComparison.Ordinal))
            {
                parsed++;
            }
            else
            {
                rejected++;
            }
        }

        Assert.True(parsed > 100, $"only {parsed} texts parsed");
        Assert.True(rejected > 100, $"only {rejected} texts rejected");
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            if (bytes.Count == 0)
            {
                bytes.Add((byte)random.Next(256));
                continue;
            }

            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 8)));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4:
                    // Interesting u32 values over an aligned word: lengths, counts, offsets and opcodes.
                    uint[] interesting = [0, 1, 3, 4, 0x7F, 0x80, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x4000_0017, 0x8000_0017, 23, 24];
                    var word = at & ~3;
                    var value = interesting[random.Next(interesting.Length)];
                    for (var k = 0; k < 4 && word + k < bytes.Count; k++)
                    {
                        bytes[word + k] = (byte)(value >> (24 - (8 * k)));
                    }

                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at); // truncation
                    break;
            }
        }

        // Keep the declared blob length consistent half of the time so mutations reach the program decoder.
        if (bytes.Count >= 8 && random.Next(2) == 0)
        {
            var length = (uint)bytes.Count;
            bytes[4] = (byte)(length >> 24);
            bytes[5] = (byte)(length >> 16);
            bytes[6] = (byte)(length >> 8);
            bytes[7] = (byte)length;
        }

        return bytes.ToArray();
    }
}
