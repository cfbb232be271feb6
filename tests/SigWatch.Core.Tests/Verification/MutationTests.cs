using System.Diagnostics;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;
using SigWatch.Fuzz;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using Xunit.Abstractions;

namespace SigWatch.Core.Tests.Verification;

public class MutationTests(ITestOutputHelper output)
{
    private const int Mutants = 2000;

    /// <summary>Valid real artifacts: small runtime-pack dylibs and the valid Mach-O fixtures, plus a builder-made universal file.</summary>
    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var native = Path.GetDirectoryName(RealArtifacts.LibCoreClr())!;
        var seeds = new List<(string, byte[])>
        {
            ("libSystem.Native.dylib", File.ReadAllBytes(Path.Combine(native, "libSystem.Native.dylib"))),
            ("libSystem.Net.Security.Native.dylib (x64)", File.ReadAllBytes(Path.Combine(native.Replace("osx-arm64", "osx-x64"), "libSystem.Net.Security.Native.dylib"))),
            ("builder universal", new FatBuilder()
                .Add(new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, Seed = 5 }.WithHashTypes(Core.CodeSigning.CodeHashType.Sha1, Core.CodeSigning.CodeHashType.Sha256).Build(), CpuTypes.CPU_TYPE_X86_64)
                .Add(new MachOBuilder { Seed = 6 }.Build(), CpuTypes.CPU_TYPE_ARM64).Build()),
        };
        if (RepoPaths.HasRealFixtures)
        {
            foreach (var relative in new[]
            {
                "r2-libexpat-vmware-universal-devid-dualhash/libexpat.1.dylib",
                "r2-apple-platform-binaries/fatmach0-3true",
                "r2-old-codedirectory-v20001/AppIOSEntitlements.ios",
                "santa-testdata-mixed/cal-yikes-universal_adhoc",
                "santa-testdata-mixed/allowed_cdhash",
                "santa-testdata-mixed/yikes-universal_signed",
            })
            {
                seeds.Add((relative, File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, relative))));
            }
        }

        return seeds;
    }

    /// <summary>
    /// Byte ranges a valid signature protects: each slice's code range [offset, offset + codeLimit) and, when a CMS
    /// signs them, the CodeDirectory blobs (an ad-hoc CD's identifier is protected by nothing but its cdhash).
    /// </summary>
    private static List<(long Start, long Length)> ProtectedRanges(byte[] bytes)
    {
        var report = new CodeSignatureVerifier().Verify(bytes, "seed");
        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        var ranges = new List<(long, long)>();
        foreach (var arch in report.Architectures)
        {
            ranges.Add((arch.Image!.FileOffset, (long)arch.Best!.CodeLimit));
            if (arch.Cms is not null)
            {
                ranges.AddRange(arch.CodeDirectories.Select(c => (c.Directory.FileOffset, (long)c.Directory.Bytes.Length)));
            }
        }

        return ranges;
    }

    [Fact]
    public void Verify_RandomMutationsOfProtectedBytes_NeverValidNeverThrows()
    {
        var seeds = Seeds().Select(s => (s.Name, s.Bytes, Ranges: ProtectedRanges(s.Bytes))).ToList();
        var random = new Random(20261122);
        var verifier = new CodeSignatureVerifier();
        var stopwatch = Stopwatch.StartNew();
        var verdicts = new Dictionary<SignatureVerdict, int>();
        for (var i = 0; i < Mutants; i++)
        {
            var (name, original, ranges) = seeds[random.Next(seeds.Count)];
            var mutant = (byte[])original.Clone();
            var flips = random.Next(1, 4);
            var positions = new List<long>();
            for (var f = 0; f < flips; f++)
            {
                var (start, length) = ranges[random.Next(ranges.Count)];
                var at = start + random.NextInt64(length);
                mutant[at] ^= (byte)(1 << random.Next(8));
                positions.Add(at);
            }

            if (mutant.AsSpan().SequenceEqual(original))
            {
                continue; // two flips of the same bit cancel out
            }

            var report = verifier.Verify(mutant, name);
            verdicts[report.Verdict] = verdicts.GetValueOrDefault(report.Verdict) + 1;
            Assert.True(report.Verdict != SignatureVerdict.Valid,
                $"mutant {i} of {name} flipping 0x{string.Join(",0x", positions.Select(p => p.ToString("x")))} verified valid");
        }

        output.WriteLine($"{Mutants} mutants in {stopwatch.ElapsedMilliseconds} ms: {string.Join(", ", verdicts.Select(v => $"{v.Key}={v.Value}"))}");
    }

    [Fact]
    public void Verify_ArbitraryMutationsAndTruncations_AlwaysProduceAReport()
    {
        var seeds = Seeds().Select(s => s.Bytes).ToList();
        var failures = SmokeRunner.Run(FuzzTargets.Verify, seeds, iterations: 1500, randomSeed: 4, new StringWriter());

        Assert.Equal(0, failures);
    }

    [Fact]
    public void FuzzSmoke_MachOSignatureTarget_NoUnexpectedException()
    {
        var log = new StringWriter();
        var failures = SmokeRunner.Run(FuzzTargets.MachOSignature, Seeds().Select(s => s.Bytes).ToList(), iterations: 5000, randomSeed: 1, log);

        Assert.True(failures == 0, log.ToString());
    }

    [Fact]
    public void Mutate_SameSeed_IsDeterministic()
    {
        var seed = new MachOBuilder().Build();

        Assert.Equal(SmokeRunner.Mutate(seed, new Random(3)), SmokeRunner.Mutate(seed, new Random(3)));
    }
}
