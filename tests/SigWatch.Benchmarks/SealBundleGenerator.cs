using SigWatch.TestSupport.Builders;

namespace SigWatch.Benchmarks;

/// <summary>
/// <c>seal-bundle PARENT FILES BYTES</c>: writes <c>Bench.app</c> under PARENT with FILES pseudo-random resources totalling
/// BYTES (100 per directory) and ad-hoc seals it with <see cref="BundleBuilder"/> (which seals whatever the tree holds).
/// Used by scripts/bench-seal.sh.
/// </summary>
internal static class SealBundleGenerator
{
    public static int Run(string[] args)
    {
        if (args.Length != 4 || !int.TryParse(args[2], out var files) || !long.TryParse(args[3], out var bytes) || files <= 0)
        {
            Console.Error.WriteLine("usage: seal-bundle PARENT FILES BYTES");
            return 2;
        }

        var resources = Path.Combine(args[1], "Bench.app", "Contents", "Resources");
        var random = new Random(5);
        var size = (int)(bytes / files);
        var buffer = new byte[size];
        for (var i = 0; i < files; i++)
        {
            var dir = Path.Combine(resources, $"d{i / 100:D4}");
            Directory.CreateDirectory(dir);
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(dir, $"f{i:D6}.bin"), buffer);
        }

        Console.WriteLine(new BundleBuilder("Bench.app").Build(args[1]));
        return 0;
    }
}
