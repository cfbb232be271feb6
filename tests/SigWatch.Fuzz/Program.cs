using SharpFuzz;
using SigWatch.Fuzz;

// Usage:
//   SigWatch.Fuzz <target>                          libFuzzer mode (run under libfuzzer-dotnet after sharpfuzz instrumentation)
//   SigWatch.Fuzz <target> --smoke N [--seed S] <seed files or directories>...
//                                                   managed smoke mode: N seeded mutations in-process; exit 1 on any unexpected exception
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: SigWatch.Fuzz <target> [--smoke N [--seed S] FILES...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

if (args.Length == 1)
{
    Fuzzer.LibFuzzer.Run(target);
    return 0;
}

if (args[1] != "--smoke" || args.Length < 4 || !int.TryParse(args[2], out var iterations))
{
    Console.Error.WriteLine("usage: SigWatch.Fuzz <target> --smoke N [--seed S] FILES...");
    return 2;
}

var rest = args.Skip(3).ToList();
var randomSeed = 1;
if (rest.Count >= 2 && rest[0] == "--seed" && int.TryParse(rest[1], out var parsed))
{
    randomSeed = parsed;
    rest = rest.Skip(2).ToList();
}

var seeds = rest.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
    .Select(File.ReadAllBytes).ToList();
var failures = SmokeRunner.Run(target, seeds, iterations, randomSeed, Console.Error);
Console.WriteLine($"{args[0]}: {iterations} mutants of {seeds.Count} seeds, {failures} unexpected exceptions");
return failures == 0 ? 0 : 1;
