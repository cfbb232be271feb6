using SharpFuzz;
using SigWatch.Fuzz;

// Usage (scripts/fuzz.sh drives the first two; docs/fuzzing.md):
//   SigWatch.Fuzz seeds FIXTURES OUT       seed corpora from the real fixtures: OUT/<target>/<sha256 prefix>
//   SigWatch.Fuzz <target> --afl           under afl-fuzz, with SigWatch.Core.dll instrumented by sharpfuzz
//   SigWatch.Fuzz <target> --replay FILES  each file once (a finding's reproduction); exit 1 if any throws
//   SigWatch.Fuzz <target> --smoke N [--seed S] FILES
//                                          N seeded mutations in-process, no AFL; exit 1 on any unexpected exception
//   SigWatch.Fuzz <target>                 libFuzzer mode (libfuzzer-dotnet)
if (args is ["seeds", var fixtures, var output])
{
    foreach (var (name, count) in SeedCorpus.Write(fixtures, output))
    {
        Console.WriteLine($"{name}: {count} seeds");
    }

    return 0;
}

if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: SigWatch.Fuzz seeds FIXTURES OUT | <target> [--afl | --replay FILES | --smoke N [--seed S] FILES]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

switch (args.Length > 1 ? args[1] : null)
{
    case null:
        Fuzzer.LibFuzzer.Run(target);
        return 0;
    case "--afl":
        // Out of process: a stack overflow or an abort kills a child that SharpFuzz restarts and reports as a
        // crash, instead of ending the fuzzing session. AFL++ caps inputs at 1 MB; so does this read.
        Fuzzer.OutOfProcess.Run(stream => target(ReadInput(stream)));
        return 0;
    case "--replay" when args.Length > 2:
        var thrown = 0;
        foreach (var file in args.Skip(2))
        {
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"{file}: ok");
            }
            catch (Exception e)
            {
                thrown++;
                Console.WriteLine($"{file}: {e}");
            }
        }

        return thrown == 0 ? 0 : 1;
    case "--smoke" when args.Length >= 4 && int.TryParse(args[2], out var iterations):
        var rest = args.Skip(3).ToList();
        var randomSeed = 1;
        if (rest.Count >= 2 && rest[0] == "--seed" && int.TryParse(rest[1], out var parsed))
        {
            randomSeed = parsed;
            rest = [.. rest.Skip(2)];
        }

        var seeds = rest.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Select(File.ReadAllBytes).ToList();
        var failures = SmokeRunner.Run(target, seeds, iterations, randomSeed, Console.Error);
        Console.WriteLine($"{args[0]}: {iterations} mutants of {seeds.Count} seeds, {failures} unexpected exceptions");
        return failures == 0 ? 0 : 1;
    default:
        Console.Error.WriteLine("usage: SigWatch.Fuzz <target> [--afl | --replay FILES | --smoke N [--seed S] FILES]");
        return 2;
}

static byte[] ReadInput(Stream stream)
{
    const int Limit = 1 << 20;
    using var buffer = new MemoryStream();
    var chunk = new byte[81920];
    int read;
    while (buffer.Length < Limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, Limit - buffer.Length))) > 0)
    {
        buffer.Write(chunk, 0, read);
    }

    return buffer.ToArray();
}
