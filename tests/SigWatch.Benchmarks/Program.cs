using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/SigWatch.Benchmarks -- --filter '*Plist*'`; see scripts/bench*.sh.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
