using System.Buffers.Binary;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Verification;

/// <summary>The named mutations, made at run time on real signed files.</summary>
public class RealMutationTests
{
    private static readonly string s_thin = Path.Combine(Path.GetDirectoryName(RealArtifacts.LibCoreClr())!, "libSystem.Native.dylib");

    private static string Universal => Path.Combine(RepoPaths.RealFixtures, "r2-libexpat-vmware-universal-devid-dualhash", "libexpat.1.dylib");

    [Fact]
    public void Verify_RealDylibCodeByteFlipped_NamesPageAndArchitecture()
    {
        var bytes = File.ReadAllBytes(s_thin);
        var pageSize = new CodeSignatureVerifier().Verify(bytes, "m").Architectures[0].Best!.PageSize;
        Assert.Equal(4096, pageSize);
        bytes[0xC000 + 99] ^= 0x80;

        var report = new CodeSignatureVerifier().Verify(bytes, "m");

        var finding = Assert.Single(report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.PageHashMismatch, finding.Kind);
        Assert.Equal("arm64", finding.Architecture);
        Assert.StartsWith("page 12 (file offset 0xc000, 4096 bytes)", finding.Detail);
    }

    [Fact]
    public void Verify_RealDylibSignatureTruncated_IsMalformedSignature()
    {
        var bytes = File.ReadAllBytes(s_thin);
        var dataoff = (int)MachFile.Read(bytes).Slices[0].Image!.CodeSignature!.Value.DataOffset;

        var report = new CodeSignatureVerifier().Verify(bytes.AsMemory(0, dataoff + 1000), "m");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature);
    }

    [Fact]
    public void Verify_RealDylibCodeSignatureCommandPastEnd_IsMalformedSignatureAtTheCommand()
    {
        var bytes = File.ReadAllBytes(s_thin);
        var command = MachFile.Read(bytes).Slices[0].Image!.CodeSignature!.Value;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)command.CommandOffset + 8), (uint)bytes.Length + 4096);

        var report = new CodeSignatureVerifier().Verify(bytes, "m");

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.MalformedSignature, finding.Kind);
        Assert.Equal(command.CommandOffset, finding.Offset);
    }

    [RealFixturesFact]
    public void Verify_RealUniversalOneSliceBroken_OtherSliceStillValid()
    {
        var bytes = File.ReadAllBytes(Universal);
        var file = MachFile.Read(bytes);
        var first = file.Slices[0];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)first.Offset + 20), 0x7FFF_FFFF); // sizeofcmds

        var report = new CodeSignatureVerifier().Verify(bytes, "m");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(FindingKind.MalformedMachO, Assert.Single(report.Architectures[0].Findings).Kind);
        Assert.Equal("i386", report.Architectures[0].Architecture);
        Assert.DoesNotContain(report.Architectures[1].Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(SignatureClassification.DeveloperId, report.Architectures[1].Classification);
    }

    [RealFixturesFact]
    public void Verify_RealUniversalAlternateCodeDirectoryByteFlipped_FailsHashAgility()
    {
        var bytes = File.ReadAllBytes(Universal);
        var arch = new CodeSignatureVerifier().Verify(bytes, "m").Architectures[1];
        var alternate = arch.CodeDirectories.Single(c => c.Slot == 0x1000).Directory;
        bytes[alternate.FileOffset + alternate.IdentOffset] ^= 0x01;

        var report = new CodeSignatureVerifier().Verify(bytes, "m");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CdHashAttributeMismatch && f.Architecture == "x86_64");
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid);
    }
}
