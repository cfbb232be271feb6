using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;
using SigWatch.TestSupport.Corpus;

namespace SigWatch.Core.Tests.Verification;

/// <summary>
/// Real signed code nobody on the team built: the macOS binaries NuGet packages ship (SigWatch.TestSupport's corpus).
/// Every verdict, classification, team, identifier and per-slice cdhash is compared with facts an independent reader
/// established (scripts/corpus/macho_facts.py), and every signed file goes through the mutation matrix.
/// </summary>
public class NuGetCorpusTests
{
    private static readonly CodeSignatureVerifier s_verifier = new();

    public static TheoryData<string> Files => NuGetCorpus.FileNames();

    public static TheoryData<string> SignedFiles => [.. NuGetCorpus.Files.Where(f => f.Slices.Any(s => s.Signed)).Select(f => f.Name)];

    /// <summary>Files whose last slice (the one a cut at the end of the file lands in) is signed.</summary>
    public static TheoryData<string> LastSliceSignedFiles => [.. NuGetCorpus.Files.Where(f => f.Slices[^1].Signed).Select(f => f.Name)];

    [Fact]
    public void Corpus_CoversTheKindsOfRealCodeTheVerdictsMustAgreeOn()
    {
        var files = NuGetCorpus.Files;
        var slices = files.SelectMany(f => f.Slices).ToList();

        Assert.True(files.Count >= 30, $"{files.Count} files");
        Assert.True(files.Count(f => f.Universal) >= 5);
        Assert.Contains(slices, s => s.Classification == "developer-id" && s.Timestamp);
        Assert.Contains(slices, s => s.Classification == "developer-id" && s.CodeDirectories.Count == 2);
        Assert.Contains(slices, s => s.Classification == "adhoc");
        Assert.Contains(slices, s => s.Classification == "linker-signed");
        Assert.Contains(slices, s => s.Classification == "unsigned");
        Assert.Contains(files, f => f.Universal && f.Slices.Any(s => s.Signed) && f.Slices.Any(s => !s.Signed));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Verify_RealFile_AgreesWithTheIndependentFacts(string name)
    {
        var file = NuGetCorpus.Get(name);

        var report = s_verifier.Verify(file.Read(), file.FullPath);

        // All slices unsigned: unsigned. One unsigned slice beside signed ones: codesign fails the file with
        // errSecCSUnsigned (StaticCode.cpp handleOtherArchitectures), here invalid naming that slice.
        var expected = file.Slices.All(s => !s.Signed) ? SignatureVerdict.Unsigned
            : file.Slices.Any(s => !s.Signed) ? SignatureVerdict.Invalid
            : SignatureVerdict.Valid;
        Assert.True(expected == report.Verdict, $"{name}: expected {expected}, got {report.Verdict}: {string.Join("; ", report.Findings)}");
        Assert.Equal(file.Slices.Select(s => s.Arch), report.Architectures.Select(a => a.Architecture));
        foreach (var (facts, arch) in file.Slices.Zip(report.Architectures))
        {
            Assert.Equal(Classification(facts.Classification), arch.Classification);
            if (!facts.Signed)
            {
                Assert.Contains(report.Findings, f => f.Kind == FindingKind.NotSigned && f.Architecture == facts.Arch);
                continue;
            }

            Assert.Equal(facts.Team, arch.Best!.TeamId);
            Assert.Equal(facts.Identifier, arch.Best.Identifier);
            Assert.Equal(
                facts.CodeDirectories.Select(cd => (cd.Slot, cd.HashType, cd.CdHash)),
                arch.CodeDirectories.Select(cd => (cd.Slot, (int)cd.Directory.HashType, Convert.ToHexStringLower(cd.Directory.CdHash))));
            Assert.All(arch.CodeDirectories, cd => Assert.Equal((int)cd.Directory.CodeSlotCount, cd.PagesMatched));
            if (facts.CmsVerifies is true)
            {
                Assert.True(arch.Cms!.SignatureValid);
                Assert.True(arch.Cms.ChainTrusted);
                Assert.Equal(facts.Timestamp, arch.Cms.TimestampedSigningTime is not null);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SignedFiles))]
    public void Mutate_OneCodeByteFlipped_IsAPageHashMismatchOnThatSlice(string name)
    {
        var file = NuGetCorpus.Get(name);
        var bytes = file.Read();
        var (slice, image) = FirstSigned(bytes);
        var text = image.TextSegment!.Sections.First(s => s.Size > 64);
        bytes[(int)slice.Offset + (int)text.Offset + 32] ^= 0x01;

        var report = s_verifier.Verify(bytes, file.FullPath);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.PageHashMismatch && f.Architecture == image.Architecture);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.PageHashMismatch && f.Architecture != image.Architecture);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKind.MalformedMachO or FindingKind.MalformedSignature);
    }

    [Theory]
    [MemberData(nameof(SignedFiles))]
    public void Mutate_BytesAppended_FailsStrictValidation(string name)
    {
        var file = NuGetCorpus.Get(name);

        var report = s_verifier.Verify(file.Read().Concat(new byte[16]).ToArray(), file.FullPath);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKind.PageHashMismatch or FindingKind.CmsSignatureInvalid);
    }

    [Theory]
    [MemberData(nameof(LastSliceSignedFiles))]
    public void Mutate_FileCutInsideTheLastSignature_IsInvalidWithTheCauseAndKeepsWhatCanBeRead(string name)
    {
        var file = NuGetCorpus.Get(name);
        var bytes = file.Read();
        var machFile = MachFile.Read(bytes);
        var last = machFile.Slices.OrderBy(s => s.Offset).Last();
        Assert.Equal(machFile.Slices.Count - 1, last.Index); // the last table entry is the last slice in the file
        var lastFacts = file.Slices[last.Index];

        last.Image!.TryGetCodeSignature(out var signatureBytes);
        var signature = CodeSignature.ReadEmbedded(signatureBytes, 0);
        var signatureStart = (int)last.Offset + (int)last.Image.CodeSignature!.Value.DataOffset;
        var cut = signatureStart + (int)signature.SuperBlob!.DeclaredLength - 16;
        var primaryEnd = (int)signature.SuperBlob.Entries.First(e => e.Type == CodeSigningSlot.CodeDirectory).Offset + signature.Primary!.Bytes.Length;

        var report = s_verifier.Verify(bytes[..cut], file.FullPath);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature && f.Detail.Contains("the signature is cut short"));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable && f.Detail.Contains("cut short"));
        var arch = report.Architectures[last.Index];
        if (signatureStart + primaryEnd <= cut)
        {
            // The CodeDirectory survived the cut: codesign would still print its cdhash, identifier and team.
            var primary = lastFacts.CodeDirectories.Single(cd => cd.Slot == 0);
            Assert.Equal(primary.CdHash, Convert.ToHexStringLower(arch.Signature!.Primary!.CdHash));
            Assert.Equal(lastFacts.Identifier, arch.Signature.Primary.Identifier);
        }

        // The other slices of a universal file are untouched and still report their facts.
        foreach (var other in report.Architectures.Where(a => a.Index != last.Index && file.Slices[a.Index].Signed))
        {
            Assert.Equal(file.Slices[other.Index].CodeDirectories.Single(cd => cd.Slot == 0).CdHash, Convert.ToHexStringLower(other.Signature!.Primary!.CdHash));
            Assert.DoesNotContain(report.Findings, f => f.Architecture == other.Architecture && f.Severity == FindingSeverity.Error);
        }
    }

    private static (MachSlice Slice, MachImage Image) FirstSigned(byte[] bytes)
    {
        var slice = MachFile.Read(bytes).Slices.First(s => s.Image?.CodeSignature is not null);
        return (slice, slice.Image!);
    }

    private static SignatureClassification Classification(string facts) => facts switch
    {
        "developer-id" => SignatureClassification.DeveloperId,
        "apple" => SignatureClassification.Apple,
        "adhoc" => SignatureClassification.AdHoc,
        "linker-signed" => SignatureClassification.LinkerSigned,
        "unsigned" => SignatureClassification.Unsigned,
        _ => throw new ArgumentOutOfRangeException(nameof(facts), facts, "a classification the corpus facts do not use"),
    };
}
