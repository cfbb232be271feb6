using SharpFuzz;

namespace SigWatch.Fuzz;

/// <summary>
/// Managed smoke mode for CI: runs seeded random mutations of seed files through a target in-process and counts
/// unexpected exceptions. Deterministic for a given seed, so a failure can be replayed.
/// </summary>
public static class SmokeRunner
{
    public static int Run(ReadOnlySpanAction target, IReadOnlyList<byte[]> seeds, int iterations, int randomSeed, TextWriter log)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("at least one seed input is needed", nameof(seeds));
        }

        var random = new Random(randomSeed);
        var failures = 0;
        for (var i = 0; i < iterations; i++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var mutant = Mutate(seed, random);
            try
            {
                target(mutant);
            }
            catch (Exception e)
            {
                failures++;
                log.WriteLine($"iteration {i} (seed {randomSeed}, {mutant.Length} bytes): {e.GetType().Name}: {e.Message}");
                log.WriteLine(e.StackTrace);
            }
        }

        return failures;
    }

    /// <summary>One to four libFuzzer-style edits: bit flips, byte sets, interesting 32-bit values, truncation, insertion.</summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits && bytes.Length > 0; e++)
        {
            var at = random.Next(bytes.Length);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    var value = s_interesting[random.Next(s_interesting.Length)];
                    var bigEndian = random.Next(2) == 0;
                    for (var k = 0; k < 4 && at + k < bytes.Length; k++)
                    {
                        bytes[at + k] = (byte)(bigEndian ? value >> (24 - (8 * k)) : value >> (8 * k));
                    }

                    break;
                case 3:
                    Array.Resize(ref bytes, random.Next(bytes.Length));
                    break;
                case 4:
                    var insert = new byte[random.Next(1, 64)];
                    random.NextBytes(insert);
                    bytes = [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at)];
                    break;
                default:
                    var length = Math.Min(random.Next(1, 256), bytes.Length - at);
                    bytes.AsSpan(at, length).Clear();
                    break;
            }
        }

        return bytes;
    }

    private static readonly uint[] s_interesting =
        [0, 1, 7, 8, 12, 0x7F, 0x80, 0xFF, 0x100, 0x1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFADE0C02, 0xFADE0CC0];
}
