using System.Runtime.Versioning;

// SigWatch runs on macOS (its home) and Linux (CI, development, `sigwatch check`); Unix-only APIs
// (file modes, Unix sockets, libc) are fine here. Darwin-only code is further marked [SupportedOSPlatform("macos")].
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]

// Four collections at once on two cores: the two packaging builds (CPU-bound, minutes each, their publishes one at a
// time) and two of the daemon tests, which spend most of their time waiting for a daemon. The packaging ones start first.
[assembly: Xunit.CollectionBehavior(MaxParallelThreads = 4)]
[assembly: Xunit.TestCollectionOrderer(SigWatch.Daemon.Tests.Packaging.PackagingFirstOrderer.TypeName, "SigWatch.Daemon.Tests")]
