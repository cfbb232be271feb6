using System.Buffers.Binary;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Verification;

/// <summary>
/// The verdict rules of docs/check-json.md for bare files: damaged is invalid, not-code is unsigned, strict structure is
/// one rule for thin and universal files, a universal file is judged by every slice (facts: SEC macho++.cpp, machorep.cpp,
/// StaticCode.cpp, as cited in the verifier).
/// </summary>
public class DamagedAndNotCodeTests
{
    private static readonly byte[] s_archive = [.. "!<arch>\n"u8, .. "libfoo.o/       0           0     0     644     8         `\n"u8, .. new byte[8]];

    private static VerificationReport Verify(byte[] bytes) => new CodeSignatureVerifier().Verify(bytes, "test");

    private static byte[] Arm64(int seed = 1) => new MachOBuilder { Seed = seed }.Build();

    private static byte[] X86(int seed = 2) => new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3, Seed = seed }.Build();

    [Fact]
    public void Verify_UniversalOfStaticArchives_IsUnsignedNotCode()
    {
        var fat = new FatBuilder().Add(s_archive, CpuTypes.CPU_TYPE_X86_64, 3).Add(s_archive, CpuTypes.CPU_TYPE_ARM64).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.NotCode, finding.Kind);
        Assert.Contains("static archive", finding.Detail);
        Assert.Contains("not signed at all", finding.Detail);
    }

    [Fact]
    public void Verify_ObjectFile_IsUnsignedNotCode()
    {
        var report = Verify(new MachOBuilder { FileType = MachConstants.MH_OBJECT }.Build());

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Contains("object file (MH_OBJECT)", Assert.Single(report.Findings).Detail);
    }

    [Fact]
    public void Verify_UniversalWhoseFirstSliceIsAnArchive_IsUnsignedEvenWithASignedSlice()
    {
        // Universal::typeOf looks at the first fat_arch only: codesign reads the whole file as a plain file.
        var fat = new FatBuilder().Add(s_archive, CpuTypes.CPU_TYPE_X86_64, 3).Add(Arm64(), CpuTypes.CPU_TYPE_ARM64).Build();

        Assert.Equal(SignatureVerdict.Unsigned, Verify(fat).Verdict);
    }

    [Fact]
    public void Verify_UniversalWithCodeFirstAndAnArchiveSlice_IsInvalidMalformed()
    {
        // First slice is code, so SEC builds a MachORep, and reading the archive slice fails (errSecCSBadObjectFormat).
        var fat = new FatBuilder().Add(Arm64(), CpuTypes.CPU_TYPE_ARM64).Add(s_archive, CpuTypes.CPU_TYPE_X86_64, 3).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedMachO && f.Architecture == "x86_64");
        Assert.NotNull(report.Architectures[0].Best); // the readable slice still reports what it is
    }

    [Fact]
    public void Verify_ThinFileWithAppendedBytes_FailsStrictValidation()
    {
        var bytes = Arm64().Concat(new byte[] { 1, 2, 3 }).ToArray();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.BadMainExecutable, finding.Kind);
        Assert.Contains("3 bytes follow the end of its __LINKEDIT", finding.Detail);
    }

    [Fact]
    public void Verify_ThinFileWithAppendedBytes_NotStrict_IsValid()
    {
        var bytes = Arm64().Concat(new byte[] { 1, 2, 3 }).ToArray();

        var report = new CodeSignatureVerifier(new CodeSignatureVerifierOptions { Strict = false }).Verify(bytes, "test");

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
    }

    [Fact]
    public void Verify_UniversalWithBytesAfterTheLastSlice_FailsStrictValidation()
    {
        var fat = new FatBuilder().Add(X86(), CpuTypes.CPU_TYPE_X86_64, 3).Add(Arm64(), CpuTypes.CPU_TYPE_ARM64).Build();
        Assert.Equal(SignatureVerdict.Valid, Verify(fat).Verdict);

        var report = Verify([.. fat, 0, 0, 0, 0]);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains("4 bytes follow the last slice", Assert.Single(report.Findings).Detail);
    }

    [Fact]
    public void Verify_UniversalWithNonZeroPaddingBetweenSlices_FailsStrictValidation()
    {
        var x86 = X86();
        var fat = new FatBuilder().Add(x86, CpuTypes.CPU_TYPE_X86_64, 3).Add(Arm64(), CpuTypes.CPU_TYPE_ARM64).Build();
        var secondOffset = (int)MachFile.Read(fat).Slices[1].Offset;
        Assert.True(secondOffset > 4096 + x86.Length, "the builder pads between slices");
        fat[secondOffset - 1] = 0x5A;

        var report = Verify(fat);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.BadMainExecutable, finding.Kind);
        Assert.Contains("non-zero bytes between slices", finding.Detail);
    }

    [Fact]
    public void Verify_UniversalWithAnEmptySliceWhereAnotherStarts_IsInvalid_NotACrash()
    {
        // Found by AFL: a second fat_arch with size 0 at the first slice's offset sorted after it, so the padding check
        // sliced the file backwards (ArgumentOutOfRangeException).
        var fat = new FatBuilder().Add(X86(), CpuTypes.CPU_TYPE_X86_64, 3).Add(Arm64(), CpuTypes.CPU_TYPE_ARM64).Build();
        var firstOffset = BinaryPrimitives.ReadUInt32BigEndian(fat.AsSpan(8 + 8));
        BinaryPrimitives.WriteUInt32BigEndian(fat.AsSpan(28 + 8), firstOffset);
        BinaryPrimitives.WriteUInt32BigEndian(fat.AsSpan(28 + 12), 0);

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable && f.Detail.Contains("inside the previous slice", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_UniversalWithOneUnsignedSlice_IsInvalidAndKeepsTheSignedSlicesFacts()
    {
        var fat = new FatBuilder().Add(new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3 }.Unsigned().Build(), CpuTypes.CPU_TYPE_X86_64, 3)
            .Add(new MachOBuilder { Identifier = "com.example.half" }.Build(), CpuTypes.CPU_TYPE_ARM64).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal((FindingKind.NotSigned, "x86_64"), (finding.Kind, finding.Architecture));
        Assert.Equal("com.example.half", report.Architectures[1].Best!.Identifier);
    }

    [Fact]
    public void Verify_UniversalSlicesSignedByDifferentTeams_IsInvalid()
    {
        var fat = new FatBuilder().Add(new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3, TeamId = "AAAAAAAAAA" }.Build(), CpuTypes.CPU_TYPE_X86_64, 3)
            .Add(new MachOBuilder { TeamId = "BBBBBBBBBB" }.Build(), CpuTypes.CPU_TYPE_ARM64).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.SlicesDisagree, finding.Kind);
        Assert.Contains("x86_64 AAAAAAAAAA, arm64 BBBBBBBBBB", finding.Detail);
    }

    [Fact]
    public void Verify_ExecutableCutAfterItsLoadCommands_IsInvalidNamingTheMissingSignature()
    {
        var report = Verify(Arm64()[..1000]);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature && f.Detail.Contains("the signature data is missing"));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable && f.Detail.Contains("cut short"));
    }

    [Fact]
    public void Verify_ExecutableCutInsideItsLoadCommands_IsInvalidMalformed()
    {
        var report = Verify(Arm64()[..40]);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(FindingKind.MalformedMachO, Assert.Single(report.Findings).Kind);
    }
}
