using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/SigWatch.Benchmarks -- --filter '*Plist*'`; see scripts/bench*.sh.
// `… -- seal-bundle PARENT FILES BYTES` generates a sealed bundle for scripts/bench-seal.sh;
// `… -- seal-limits BUNDLE [RUNS]` times verification in process against SHA-256 of the same bytes (the limit);
// `… -- retained BUNDLE` prints what the daemon keeps in memory per bundle for incremental re-assessment.
if (args is ["retained", ..] && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
{
    return SigWatch.Benchmarks.RetainedState.Run(args);
}

if (args is ["seal-limits", ..] && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
{
    return SigWatch.Benchmarks.SealLimits.Run(args);
}

if (args is ["seal-bundle", ..])
{
    return SigWatch.Benchmarks.SealBundleGenerator.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
