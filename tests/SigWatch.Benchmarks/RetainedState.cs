using SigWatch.Core.Assessment;
using SigWatch.Core.Seal;
using SigWatch.Platform;

namespace SigWatch.Benchmarks;

/// <summary>
/// <c>retained BUNDLE</c>: how much memory the daemon keeps per bundle for incremental re-assessment (the
/// <see cref="BundleAssessment"/> it remembers, with the detached seal report), measured as the managed heap growth
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

        Assessor().Assess(args[1]); // warm up the code only
        var before = Settled();
        // A fresh verifier, dropped afterwards: what stays is what the inspection holds (parsed seal, rule memo, state).
        var kept = Assessor().Assess(args[1])!.Detach();
        var after = Settled();
        Console.WriteLine($"{after - before} bytes retained for {kept.Facts.FileCount} files");
        GC.KeepAlive(kept);
        return 0;
    }

    /// <summary>What `sigwatch check` runs, without the digest cache (shared with <see cref="SealLimits"/>).</summary>
    internal static BundleAssessor Assessor() => new(new BundleAssessorOptions
    {
        Tree = LstatFileTree.Instance,
        Verifier = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { ExtendedAttributes = ExtendedAttributes.Instance }),
        ExtendedAttributes = ExtendedAttributes.Instance,
    });

    private static long Settled()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
