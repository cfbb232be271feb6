using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Verification;

public class CodeSignatureVerifierTests
{
    private static readonly CodeSignatureVerifier s_verifier = new();

    private static VerificationReport Verify(byte[] bytes, ISpecialSlotSource? source = null) =>
        s_verifier.Verify(bytes, "test", source);

    private static int CodeSignatureOffset(byte[] file, int slice = 0) =>
        (int)MachFile.Read(file).Slices[slice].Image!.CodeSignature!.Value.DataOffset;

    [Fact]
    public void Verify_BuilderAdHoc_IsValidAdHoc()
    {
        var report = Verify(new MachOBuilder().Build());

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Equal(SignatureClassification.AdHoc, report.Classification);
        Assert.Empty(report.Findings);
        var cd = report.Architectures[0].CodeDirectories[0];
        Assert.Equal(5, cd.PagesMatched);
        Assert.Equal(5u, cd.Directory.CodeSlotCount);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Verify_BuilderVariants_AreValid(bool is64, bool bigEndian)
    {
        var bytes = new MachOBuilder { Is64Bit = is64, BigEndian = bigEndian, CpuType = CpuTypes.CPU_TYPE_POWERPC }.Build();

        Assert.Equal(SignatureVerdict.Valid, Verify(bytes).Verdict);
    }

    [Fact]
    public void Verify_LinkerSignedFlag_ClassifiesLinkerSigned()
    {
        var bytes = new MachOBuilder { Flags = CodeDirectoryFlags.AdHoc | CodeDirectoryFlags.LinkerSigned }.WithCms(null).Build();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Equal(SignatureClassification.LinkerSigned, report.Classification);
    }

    [Fact]
    public void Verify_Unsigned_IsUnsignedWithNotSignedFinding()
    {
        var report = Verify(new MachOBuilder().Unsigned().Build());

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Equal(FindingKind.NotSigned, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public void Verify_NotMachO_IsOtherAndUnsigned()
    {
        var report = Verify("just text"u8.ToArray());

        Assert.Equal("other", report.Kind);
        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
    }

    [Fact]
    public void Verify_ByteFlippedInCodePage_ReportsPageHashMismatchNamingPageAndArchitecture()
    {
        var bytes = new MachOBuilder().Build();
        bytes[2 * 4096 + 17] ^= 0xFF;

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.PageHashMismatch, finding.Kind);
        Assert.Equal("arm64", finding.Architecture);
        Assert.Equal(2 * 4096, finding.Offset);
        Assert.StartsWith("page 2 ", finding.Detail);
    }

    [Fact]
    public void Verify_DualHashByteFlipped_ReportsMismatchForEachCodeDirectory()
    {
        var bytes = new MachOBuilder().WithHashTypes(CodeHashType.Sha1, CodeHashType.Sha256).Build();
        bytes[100] ^= 1;

        var report = Verify(bytes);

        Assert.Equal(2, report.Findings.Count(f => f.Kind == FindingKind.PageHashMismatch));
        Assert.Contains(report.Findings, f => f.Detail.Contains("sha1"));
        Assert.Contains(report.Findings, f => f.Detail.Contains("sha256"));
    }

    [Fact]
    public void Verify_ManyPagesCorrupted_CapsReportedMismatches()
    {
        var bytes = new MachOBuilder { CodeSize = 40 * 4096 }.Build();
        for (var page = 0; page < 30; page++)
        {
            bytes[(page * 4096) + 4000] ^= 1;
        }

        var report = Verify(bytes);

        Assert.Equal(PageHashVerifier.MaxReportedMismatches + 1, report.Findings.Count(f => f.Kind == FindingKind.PageHashMismatch));
        Assert.Contains(report.Findings, f => f.Detail.StartsWith("14 more pages"));
    }

    [Fact]
    public void Verify_OneBrokenSliceInUniversal_OtherSliceStillVerified()
    {
        var good = new MachOBuilder().Build();
        var bad = new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3, Seed = 9 }.Build();
        bad[5000] ^= 0x40;
        var fat = new FatBuilder().Add(bad, CpuTypes.CPU_TYPE_X86_64, 3).Add(good, CpuTypes.CPU_TYPE_ARM64).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.All(report.Findings, f => Assert.Equal("x86_64", f.Architecture));
        Assert.Empty(report.Architectures[1].Findings);
        Assert.Equal(4096 + 4096, report.Findings.Single().Offset);
    }

    [Fact]
    public void Verify_FatTableNamesAnotherCpu_WarnsWithoutInvalidating()
    {
        var fat = new FatBuilder().Add(new MachOBuilder().Build(), CpuTypes.CPU_TYPE_X86_64, 3).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.MalformedMachO, finding.Kind);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal("arm64", finding.Architecture);
        Assert.Contains("names x86_64", finding.Detail);
    }

    [Fact]
    public void Verify_CodeLimitShortOfSignature_FailsStrictValidation()
    {
        var bytes = new MachOBuilder { CodeLimitShortfall = 48 }.Build();

        var report = Verify(bytes);

        // SingleDiskRep::strictValidate: codeLimit must equal LC_CODE_SIGNATURE's dataoff (errSecCSSignatureInvalid).
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.MalformedSignature, finding.Kind);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("48 bytes before the signature are not hashed", finding.Detail);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_CodeLimitShortOfSignature_NotStrict_OnlyWarns()
    {
        var bytes = new MachOBuilder { CodeLimitShortfall = 48 }.Build();

        var report = new CodeSignatureVerifier(new CodeSignatureVerifierOptions { Strict = false }).Verify(bytes, "test");

        Assert.Equal(FindingSeverity.Warning, Assert.Single(report.Findings).Severity);
        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
    }

    [Fact]
    public void Verify_UniversalWithOneUnsignedSlice_IsInvalid()
    {
        var signed = new MachOBuilder().Build();
        var unsigned = new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64 }.Unsigned().Build();
        var fat = new FatBuilder().Add(unsigned, CpuTypes.CPU_TYPE_X86_64).Add(signed, CpuTypes.CPU_TYPE_ARM64).Build();

        var report = Verify(fat);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(FindingKind.NotSigned, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public void Verify_ByteFlippedInCodeDirectoryHeader_ReportsMalformedOrMismatch()
    {
        var bytes = new MachOBuilder().Build();
        var cdStart = CodeSignatureOffset(bytes) + 12 + (3 * 8);
        bytes[cdStart + 0x20] ^= 0x01; // codeLimit

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind is FindingKind.MalformedSignature or FindingKind.PageHashMismatch);
    }

    [Fact]
    public void Verify_RequirementsBlobChanged_ReportsSpecialSlotMismatch()
    {
        var bytes = new MachOBuilder().Build();
        var signature = MachFile.Read(bytes).Slices[0].Image!;
        signature.TryGetCodeSignature(out var sig);
        var parsed = CodeSignature.ReadEmbedded(sig, 0);
        var requirementsOffset = CodeSignatureOffset(bytes) + (int)parsed.SuperBlob!.Entries.Single(e => e.Type == CodeSigningSlot.Requirements).Offset;
        bytes[requirementsOffset + 11] = 1; // requirement count 0 → 1

        var report = Verify(bytes);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.SpecialSlotMismatch, finding.Kind);
        Assert.Contains("Requirements (slot -2", finding.Detail);
    }

    [Fact]
    public void Verify_EmbeddedInfoPlist_IsCheckedFromTextSection()
    {
        var bytes = new MachOBuilder().WithInfoPlist("<plist><dict/></plist>"u8.ToArray()).Build();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        var slot = report.Architectures[0].CodeDirectories[0].SpecialSlots.Single(s => s.Slot == CodeSigningSlot.InfoPlist);
        Assert.Equal(SpecialSlotStatus.Valid, slot.Status);
        Assert.Equal("__TEXT,__info_plist", slot.Source);
    }

    [Fact]
    public void Verify_InfoSlotBoundWithoutInfoPlistSection_ReportsUncheckedNotMismatch()
    {
        var bytes = new MachOBuilder()
            .ConfigureCodeDirectory(d => d.WithSpecialSlot(CodeSigningSlot.InfoPlist, "<plist/>"u8))
            .Build();

        var report = Verify(bytes);

        Assert.Equal(FindingKind.SpecialSlotUnchecked, Assert.Single(report.Findings).Kind);
        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
    }

    [Fact]
    public void Verify_BareBinaryWithResourceSlot_ReportsUncheckedNeverValid()
    {
        var bytes = new MachOBuilder().WithResourceDirectory("<plist/>"u8.ToArray()).Build();

        var report = Verify(bytes);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.SpecialSlotUnchecked, finding.Kind);
        var slot = report.Architectures[0].CodeDirectories[0].SpecialSlots.Single(s => s.Slot == CodeSigningSlot.ResourceDirectory);
        Assert.Equal(SpecialSlotStatus.Unchecked, slot.Status);
    }

    [Fact]
    public void Verify_BundleContextSuppliesCodeResources_ChecksIt()
    {
        var resources = "<plist>resources</plist>"u8.ToArray();
        var bytes = new MachOBuilder().WithResourceDirectory(resources).Build();
        var source = new DictionarySlotSource(new() { [CodeSigningSlot.ResourceDirectory] = resources });

        var report = Verify(bytes, source);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public void Verify_BundleCodeResourcesModified_ReportsSpecialSlotMismatch()
    {
        var bytes = new MachOBuilder().WithResourceDirectory("<plist>a</plist>"u8.ToArray()).Build();
        var source = new DictionarySlotSource(new() { [CodeSigningSlot.ResourceDirectory] = "<plist>b</plist>"u8.ToArray() });

        var report = Verify(bytes, source);

        Assert.Equal(FindingKind.SpecialSlotMismatch, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public void Verify_EntitlementsBound_ChecksBlob()
    {
        var bytes = new MachOBuilder().WithEntitlements("<plist><dict/></plist>").Build();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Contains(report.Architectures[0].CodeDirectories[0].SpecialSlots,
            s => s.Slot == CodeSigningSlot.Entitlements && s.Status == SpecialSlotStatus.Valid);
    }

    [Fact]
    public void Verify_FileCutInsideTheSignatureIndex_IsInvalidWithTheCause()
    {
        var bytes = new MachOBuilder().Build();
        var truncated = bytes.AsSpan(0, CodeSignatureOffset(bytes) + 20).ToArray();

        var report = Verify(truncated);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature && f.Severity == FindingSeverity.Error && f.Detail.Contains("index"));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable && f.Detail.Contains("cut short"));
    }

    [Fact]
    public void Verify_FileCutAfterTheCodeDirectory_StillReportsItsCdHashIdentifierAndTeam()
    {
        var bytes = new MachOBuilder { TeamId = "ABCDE12345", Identifier = "com.example.cut" }.Build();
        var whole = Verify(bytes).Architectures[0].Best!;
        var signature = MachFile.Read(bytes).Slices[0].Image!;
        signature.TryGetCodeSignature(out var blob);
        var parsed = CodeSignature.ReadEmbedded(blob, 0);
        var cdEnd = (int)parsed.SuperBlob!.Entries.Single(e => e.Type == CodeSigningSlot.CodeDirectory).Offset + parsed.Primary!.Bytes.Length;
        var truncated = bytes.AsSpan(0, CodeSignatureOffset(bytes) + cdEnd).ToArray();

        var report = Verify(truncated);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var best = report.Architectures[0].Best!;
        Assert.Equal(whole.CdHash.ToArray(), best.CdHash.ToArray());
        Assert.Equal("com.example.cut", best.Identifier);
        Assert.Equal("ABCDE12345", best.TeamId);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature && f.Detail.Contains("the signature is cut short"));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable);
    }

    [Fact]
    public void Verify_LoadCommandPastEndOfFile_ReportsMalformedSignatureWithOffset()
    {
        var bytes = new MachOBuilder().WithCodeSignatureCommand(0x7FFF_0000, 0x100).Build();

        var report = Verify(bytes);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.MalformedSignature, finding.Kind);
        Assert.NotNull(finding.Offset);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_NoCmsAndNoAdHocFlag_WarnsAndTreatsAsAdHoc()
    {
        var bytes = new MachOBuilder { Flags = CodeDirectoryFlags.None }.WithCms(null).Build();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Equal(FindingKind.AdHocFlagMissing, Assert.Single(report.Findings).Kind);
        Assert.Equal(SignatureClassification.AdHoc, report.Classification);
    }

    [Fact]
    public void Verify_GarbageCmsWithoutAdHocFlag_ReportsCmsSignatureInvalid()
    {
        var bytes = new MachOBuilder { Flags = CodeDirectoryFlags.None }.WithCms([0x30, 0x03, 0x02, 0x01, 0x01]).Build();

        var report = Verify(bytes);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(FindingKind.CmsSignatureInvalid, Assert.Single(report.Findings).Kind);
        Assert.Equal(SignatureClassification.Untrusted, report.Classification);
    }

    private sealed class DictionarySlotSource(Dictionary<uint, byte[]> components) : ISpecialSlotSource
    {
        public SpecialSlotContent GetComponent(uint slot) => components.TryGetValue(slot, out var bytes)
            ? SpecialSlotContent.Present(bytes, "test bundle")
            : SpecialSlotContent.Missing("test bundle");
    }
}
