using SigWatch.Core.Bundles;
using SigWatch.Core.Seal;
using SigWatch.Platform;

namespace SigWatch.Benchmarks;

/// <summary>
/// <c>retained BUNDLE</c>: how much memory the daemon keeps per bundle for incremental re-assessment (the
/// <see cref="BundleInspection"/> it remembers, with the detached seal report), measured as the managed heap growth
/// after a full collection. Used by scripts/bench-seal.sh.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
internal static class RetainedState
{
    public static int Run(string[] args)
    {
        if (args.Length != 2 || !Directory.Exists(args[1]))
        {
            Console.Error.WriteLine("usage: retained BUNDLE");
            return 2;
        }

        BundleInspector.Inspect(args[1], Context(), full: false, previous: null, changes: null); // warm up the code only
        var before = Settled();
        // A fresh verifier, dropped afterwards: what stays is what the inspection holds (parsed seal, rule memo, state).
        var kept = BundleInspector.Inspect(args[1], Context(), full: false, previous: null, changes: null)!;
        var after = Settled();
        Console.WriteLine($"{after - before} bytes retained for {kept.Facts.FileCount} files");
        GC.KeepAlive(kept);
        return 0;
    }

    private static BundleInspectionContext Context()
    {
        var verifier = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { ExtendedAttributes = ExtendedAttributes.Instance });
        return new BundleInspectionContext(ExtendedAttributes.Instance, null, request => verifier.Verify(request.BundlePath));
    }

    private static long Settled()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
