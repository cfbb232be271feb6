using System.Reflection;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SigWatch.Core.Verification;

namespace SigWatch.Benchmarks;

/// <summary>
/// Verification of libcoreclr.dylib (osx-arm64 10.0.12, Developer ID) against a plain SHA-256 of the same bytes.
/// Verification is bound by hashing; the target is at most 1.2x the plain hash. Both work on the bytes in memory
/// (the file is read once in setup), so the comparison is hashing plus parsing and CMS, not I/O.
/// </summary>
[MemoryDiagnoser]
public class CodeSigningBenchmarks
{
    private byte[] _file = [];
    private string _path = string.Empty;
    private CodeSignatureVerifier _warm = new();

    [GlobalSetup]
    public void Setup()
    {
        var root = typeof(CodeSigningBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "NuGetPackageRoot").Value!;
        _path = Path.Combine(root, "microsoft.netcore.app.runtime.osx-arm64", "10.0.12", "runtimes", "osx-arm64", "native", "libcoreclr.dylib");
        _file = File.ReadAllBytes(_path);
        _warm = new CodeSignatureVerifier();
        if (_warm.Verify(_file, _path).Verdict != SignatureVerdict.Valid)
        {
            throw new InvalidOperationException($"{_path} does not verify; the benchmark would measure a failure path");
        }
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of the whole file")]
    public byte[] Sha256OfFile() => SHA256.HashData(_file);

    /// <summary>A new verifier per call: includes building both X509 chains (signer and timestamp authority).</summary>
    [Benchmark(Description = "Verify (cold verifier)")]
    public SignatureVerdict VerifyCold() => new CodeSignatureVerifier().Verify(_file, _path).Verdict;

    /// <summary>A long-lived verifier, as in the daemon: chain evaluations for the same certificates are cached.</summary>
    [Benchmark(Description = "Verify (warm verifier)")]
    public SignatureVerdict VerifyWarm() => _warm.Verify(_file, _path).Verdict;
}
