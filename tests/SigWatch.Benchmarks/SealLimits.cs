using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SigWatch.Core.Bundles;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;

namespace SigWatch.Benchmarks;

/// <summary>
/// <c>seal-limits BUNDLE [RUNS]</c>: full seal verification in process against the physical limit measured in the same
/// process: SHA-256 of the same files' bytes on every core, one read of each file into a reused buffer, with a work
/// queue ordered by size (largest first, so no core is left with one big file at the end). Also the parts of an
/// assessment apart: the inventory walk and the CodeResources parse. Prints the median of RUNS (after one warm-up run,
/// with the page cache warm) of each, in milliseconds, and the ratios to the limit. Used by scripts/bench.sh.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
internal static class SealLimits
{
    public static int Run(string[] args)
    {
        if (args.Length is < 2 or > 3 || !Directory.Exists(args[1]))
        {
            Console.Error.WriteLine("usage: seal-limits BUNDLE [RUNS]");
            return 2;
        }

        var bundle = Path.GetFullPath(args[1]);
        var runs = args.Length == 3 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var files = Directory.EnumerateFiles(bundle, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => (Path: f, Size: new FileInfo(f).Length)).OrderByDescending(f => f.Size).ToArray();
        var bytes = files.Sum(f => f.Size);

        var limit = Median(runs, () => HashAll(files));
        var inventory = Median(runs, () => BundleInventory.Walk(bundle, LstatFileTree.Instance, ExtendedAttributes.Instance));
        var sealBytes = File.ReadAllBytes(Path.Combine(bundle, "Contents", "_CodeSignature", "CodeResources"));
        var parse = Median(runs, () => CodeResources.Parse(sealBytes));
        var verify = Median(runs, () => Expect(new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { ExtendedAttributes = ExtendedAttributes.Instance }).Verify(bundle).Verdict));
        var assess = Median(runs, () => Expect(RetainedState.Assessor().Assess(bundle)!.Seal!.Verdict));

        Console.WriteLine($"files {files.Length}, bytes {bytes}, cores {Environment.ProcessorCount}, runs {runs} (median ms)");
        Console.WriteLine($"hash limit (SHA-256, {Environment.ProcessorCount} threads, one read per file): {limit:F1} ms ({bytes / 1e6 / (limit / 1000):F0} MB/s)");
        Console.WriteLine($"inventory walk: {inventory:F1} ms");
        Console.WriteLine($"CodeResources parse: {parse:F1} ms");
        Console.WriteLine($"BundleVerifier.Verify, no cache: {verify:F1} ms ({verify / limit:F2}x the limit)");
        Console.WriteLine($"BundleAssessor.Assess (what check runs): {assess:F1} ms ({assess / limit:F2}x the limit)");
        Console.WriteLine($"  one Assess allocates {Allocations(() => RetainedState.Assessor().Assess(bundle))}");
        Console.WriteLine($"  of which the CodeResources parse {Allocations(() => CodeResources.Parse(sealBytes))}");
        return 0;
    }

    private static void Expect(SignatureVerdict verdict)
    {
        if (verdict != SignatureVerdict.Valid)
        {
            throw new InvalidOperationException($"the bundle does not verify ({verdict}): the figure would be a failure path's");
        }
    }

    /// <summary>Bytes allocated by one run of <paramref name="action"/> on every thread, and the collections it caused.</summary>
    private static string Allocations(Action action)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var collections = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        action();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var caused = Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collections[g]);
        return $"{allocated / 1e6:F1} MB (collections gen0/1/2: {string.Join('/', caused)})";
    }

    private static double Median(int runs, Action action)
    {
        action();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    private static void HashAll((string Path, long Size)[] files)
    {
        var next = -1;
        var workers = new Thread[Environment.ProcessorCount];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = new Thread(() =>
            {
                var buffer = GC.AllocateUninitializedArray<byte>(1 << 20);
                Span<byte> digest = stackalloc byte[32];
                int i;
                while ((i = Interlocked.Increment(ref next)) < files.Length)
                {
                    using SafeFileHandle handle = File.OpenHandle(files[i].Path);
                    var size = files[i].Size;
                    if (size <= buffer.Length)
                    {
                        var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)size), 0);
                        SHA256.HashData(buffer.AsSpan(0, read), digest);
                        continue;
                    }

                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long offset = 0;
                    int n;
                    while ((n = RandomAccess.Read(handle, buffer, offset)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        offset += n;
                    }

                    hash.GetHashAndReset(digest);
                }
            });
            workers[w].Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }
    }
}
