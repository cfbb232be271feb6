using SigWatch.Core.Assessment;
using BenchmarkDotNet.Attributes;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;

namespace SigWatch.Benchmarks;

/// <summary>
/// Issue #5's re-verification targets, in process, as the daemon runs them: a full verification without a digest cache
/// (the baseline), then re-verification after the watcher reported nothing (target at most 2 % of the baseline) and
/// after it reported one changed file (at most 3 %). <c>Reverify, changes unknown</c> is the periodic reconcile's cost
/// (a full lstat walk with every digest from the cache). The <c>Inspect</c> cases are the daemon's whole assessment
/// of the bundle (inventory, quarantine, seal; not the SQLite write) with the changes unknown (digests from the cache),
/// then after one reported change.
/// The bundle is scripts/bench-seal.sh's (SIGWATCH_BENCH_BUNDLE), read once before timing so every case reads from the
/// page cache.
/// </summary>
[MemoryDiagnoser]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
public class SealReverifyBenchmarks
{
    private BundleVerifier _cold = null!;
    private BundleVerifier _daemon = null!;
    private BundleVerificationReport _baseline = null!;
    private BundleAssessor _assessor = null!;
    private BundleAssessment _assessed = null!;
    private string _bundle = string.Empty;
    private string _changed = string.Empty;
    private byte _original;
    private byte _toggle;

    [GlobalSetup]
    public void Setup()
    {
        _bundle = Environment.GetEnvironmentVariable("SIGWATCH_BENCH_BUNDLE")
            ?? throw new InvalidOperationException("SIGWATCH_BENCH_BUNDLE is not set: run scripts/bench-seal.sh, which generates the bundle");
        _cold = new BundleVerifier(LstatFileTree.Instance);
        _daemon = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { Cache = new InMemoryFileHashCache() });
        _baseline = _daemon.Verify(_bundle);
        if (_baseline.Verdict != SignatureVerdict.Valid)
        {
            throw new InvalidOperationException($"{_bundle} does not verify; the benchmark would measure a failure path");
        }

        _assessor = new BundleAssessor(new BundleAssessorOptions { Tree = LstatFileTree.Instance, Verifier = _daemon, ExtendedAttributes = ExtendedAttributes.Instance });
        _assessed = _assessor.Assess(_bundle)!.Detach();

        // The file one case changes; its first byte is put back in cleanup so the bundle stays valid for the next process.
        _changed = Directory.EnumerateFiles(Path.Combine(_bundle, "Contents", "Resources"), "*.bin", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).First();
        using var stream = File.OpenRead(_changed);
        _original = (byte)stream.ReadByte();
        _toggle = (byte)(_original + 1);
    }

    [Benchmark(Baseline = true, Description = "Verify, no digest cache")]
    public SignatureVerdict FullVerify() => _cold.Verify(_bundle).Verdict;

    [Benchmark(Description = "Reverify, changes unknown (reconcile)")]
    public SignatureVerdict ReverifyUnknown() => _daemon.Reverify(_baseline, null).Verdict;

    [Benchmark(Description = "Reverify, nothing changed")]
    public SignatureVerdict ReverifyUnchanged() => _daemon.Reverify(_baseline, []).Verdict;

    /// <summary>Includes writing the byte: one resource changes in place, then the watcher's one path is re-verified.</summary>
    [Benchmark(Description = "Reverify, one file changed (incl. the write)")]
    public SignatureVerdict ReverifyOneChanged()
    {
        WriteFirstByte(_toggle);
        _toggle = _toggle == (byte)(_original + 1) ? (byte)(_original + 2) : (byte)(_original + 1);

        var report = _daemon.Reverify(_baseline, [_changed]);
        return report.Findings.Count == 1 && report.Statistics.FilesHashed == 1
            ? report.Verdict
            : throw new InvalidOperationException($"expected exactly the changed file to be hashed and reported, got {report.Findings.Count} finding(s)");
    }

    [Benchmark(Description = "Inspect (daemon assessment), changes unknown")]
    public long InspectChangesUnknown() => _assessor.Assess(_bundle)!.Facts.FileCount;

    [Benchmark(Description = "Inspect (daemon assessment), one file changed (incl. the write)")]
    public long InspectOneChanged()
    {
        WriteFirstByte(_toggle);
        _toggle = _toggle == (byte)(_original + 1) ? (byte)(_original + 2) : (byte)(_original + 1);
        var assessment = _assessor.Assess(_bundle, _assessed, [_changed])!;
        return assessment.Cost is { SealFullWalks: 0, FilesHashed: 1 }
            ? assessment.Facts.FileCount
            : throw new InvalidOperationException($"expected an incremental assessment, got {assessment.Cost}");
    }

    [GlobalCleanup]
    public void Cleanup() => WriteFirstByte(_original);

    private void WriteFirstByte(byte value)
    {
        using var stream = new FileStream(_changed, FileMode.Open, FileAccess.Write);
        stream.WriteByte(value);
    }
}
