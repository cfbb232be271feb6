using System.Text.Json;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using Xunit.Abstractions;

namespace SigWatch.Core.Tests.Verification;

public class RealArtifactTests(ITestOutputHelper output)
{
    public static TheoryData<string> RuntimePackDylibs() => new(RealArtifacts.RuntimePackDylibs());

    public static TheoryData<string, string> ManifestMachOFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var (entry, path, _) in RealArtifacts.ManifestMachOFiles())
        {
            data.Add(entry, path);
        }

        return data;
    }

    public static TheoryData<string, string> ManifestBundles()
    {
        var data = new TheoryData<string, string>();
        foreach (var (entry, path, _) in RealArtifacts.ManifestBundleExecutables())
        {
            data.Add(entry, path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuntimePackDylibs))]
    public void RuntimePackDylib_MicrosoftDeveloperId_VerifiesValid(string path)
    {
        var report = new CodeSignatureVerifier().VerifyFile(path);
        Dump(report);

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        var arch = Assert.Single(report.Architectures);
        Assert.Equal(SignatureClassification.DeveloperId, arch.Classification);
        Assert.Equal("UBF8T346G9", arch.Best!.TeamId);
        Assert.Equal("UBF8T346G9", arch.Cms!.LeafTeamId);
        Assert.Equal("Apple Root CA", arch.Cms.Anchor);
        Assert.True(arch.Cms.SignatureValid);
        Assert.NotNull(arch.Cms.TimestampedSigningTime);
        Assert.All(arch.CodeDirectories, cd => Assert.Equal((int)cd.Directory.CodeSlotCount, cd.PagesMatched));
        Assert.DoesNotContain(report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.RevocationNotChecked);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.NotarizationNotChecked);
        Assert.Equal(arch.Best.CdHashHex, Convert.ToHexStringLower(Assert.Single(arch.Cms.CdHashesPlist!)));
        Assert.Single(arch.Cms.CdHashes2!);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.CdHashAttributeUnchecked);
    }

    [RealFixturesTheory]
    [MemberData(nameof(ManifestMachOFiles))]
    public void ManifestMachO_File_MatchesIndependentFacts(string entry, string relativePath)
    {
        var facts = RealArtifacts.ManifestMachOFiles().Single(f => f.Entry == entry && f.Path == relativePath).Facts;
        var report = new CodeSignatureVerifier().VerifyFile(Path.Combine(RepoPaths.RealFixtures, entry, relativePath));
        Dump(report);

        AssertSlicesMatch(facts.GetProperty("slices"), report);
        Assert.Equal(ExpectedVerdict(facts.GetProperty("slices")), report.Verdict);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKind.CdHashAttributeUnchecked or FindingKind.CdHashAttributeMismatch);
    }

    [RealFixturesTheory]
    [MemberData(nameof(ManifestBundles))]
    public void ManifestBundle_MainExecutableWithBundleContext_MatchesIndependentFacts(string entry, string bundlePath)
    {
        var facts = RealArtifacts.ManifestBundleExecutables().Single(f => f.Entry == entry && f.Path == bundlePath).Facts;
        var bundle = Path.Combine(RepoPaths.RealFixtures, entry, bundlePath);
        var main = Path.Combine(bundle, facts.GetProperty("main_executable").GetString()!);
        var contents = Path.GetDirectoryName(Path.GetDirectoryName(main))!;
        var layout = facts.GetProperty("layout").GetString();
        var (info, resources) = layout switch
        {
            "deep" => (Path.Combine(contents, "Info.plist"), Path.Combine(contents, "_CodeSignature", "CodeResources")),
            "shallow" => (Path.Combine(bundle, "Info.plist"), Path.Combine(bundle, "_CodeSignature", "CodeResources")),
            _ => (Path.Combine(Path.GetDirectoryName(main)!, "Resources", "Info.plist"), Path.Combine(Path.GetDirectoryName(main)!, "_CodeSignature", "CodeResources")),
        };

        var report = new CodeSignatureVerifier().Verify(File.ReadAllBytes(main), main, new FileBundleSlotSource(info, resources));
        Dump(report);

        if (entry == GrowlEntry)
        {
            // Known disagreement, investigated: the manifest derives "Mac App Store submission" from the leaf CN only.
            // The leaf is in fact self-signed (issuer = subject, E=billgeo13@gmail.com, C=GR) and OpenSSL reports its
            // self-signature as invalid, so no Apple chain exists: untrusted is right and Apple-profile would be wrong.
            Assert.All(report.Architectures, a => Assert.Equal(SignatureClassification.Untrusted, a.Classification));
            Assert.Contains(report.Findings, f => f.Kind == FindingKind.CertificateChainUntrusted);
            Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
            return;
        }

        AssertSlicesMatch(facts.GetProperty("main_slices"), report);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKind.SpecialSlotUnchecked or FindingKind.SpecialSlotMismatch
            or FindingKind.PageHashMismatch or FindingKind.CmsSignatureInvalid or FindingKind.CdHashAttributeMismatch);
        Assert.Equal(ExpectedVerdict(facts.GetProperty("main_slices")), report.Verdict);
    }

    private static readonly Dictionary<string, uint> SlotNumbers = new()
    {
        ["Info.plist"] = 1, ["Requirements blob"] = 2, ["CodeResources"] = 3, ["Entitlements blob"] = 5, ["DER entitlements blob"] = 7,
    };

    private const string GrowlEntry = "growl-1.3-framework-mas-submission";

    private static void AssertSlicesMatch(JsonElement slices, VerificationReport report)
    {
        Assert.Equal(slices.GetArrayLength(), report.Architectures.Count);
        var i = 0;
        foreach (var slice in slices.EnumerateArray())
        {
            var arch = report.Architectures[i++];
            Assert.StartsWith(slice.GetProperty("arch").GetString()!, arch.Architecture, StringComparison.Ordinal);
            var signingType = slice.GetProperty("signing_type").GetString()!;
            if (signingType == "broken")
            {
                Assert.Contains(arch.Findings, f => f.Kind == FindingKind.MalformedSignature);
                continue;
            }

            Assert.Equal(ExpectedClassification(signingType), arch.Classification);
            if (!slice.TryGetProperty("code_directories", out var cds))
            {
                continue;
            }

            Assert.Equal(cds.GetArrayLength(), arch.CodeDirectories.Count);
            var j = 0;
            foreach (var cd in cds.EnumerateArray())
            {
                var ours = arch.CodeDirectories[j++];
                Assert.Equal(cd.GetProperty("cdhash").GetString(), ours.Directory.CdHashHex);
                Assert.Equal(cd.GetProperty("identifier").GetString(), ours.Directory.Identifier);
                var team = cd.TryGetProperty("team_id", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                Assert.Equal(team, ours.Directory.TeamId);
                var pages = cd.GetProperty("code_pages_ok").GetString()!.Split('/');
                Assert.Equal(int.Parse(pages[1]), (int)ours.Directory.CodeSlotCount);
                Assert.Equal(int.Parse(pages[0]), ours.PagesMatched);
                if (cd.TryGetProperty("special_slot_check", out var slots))
                {
                    foreach (var slot in slots.EnumerateObject())
                    {
                        var number = SlotNumbers[slot.Name];
                        var expected = slot.Value.ValueKind switch
                        {
                            JsonValueKind.True => SpecialSlotStatus.Valid,
                            JsonValueKind.False => SpecialSlotStatus.Mismatch,
                            _ => SpecialSlotStatus.Unchecked, // "present(unchecked)": bound, component not available
                        };
                        Assert.Equal(expected, ours.SpecialSlots.Single(s => s.Slot == number).Status);
                    }
                }
            }

            if (slice.TryGetProperty("cms", out var cms) && cms.TryGetProperty("team_ous", out var ous) && ous.GetArrayLength() > 0
                && arch.Cms is { ChainTrusted: true })
            {
                Assert.Equal(ous[0].GetString(), arch.Cms.LeafTeamId);
            }
        }
    }

    private static SignatureVerdict ExpectedVerdict(JsonElement slices)
    {
        var list = slices.EnumerateArray().ToList();
        if (list.All(s => s.GetProperty("signing_type").GetString() == "unsigned"))
        {
            return SignatureVerdict.Unsigned;
        }

        foreach (var s in list)
        {
            var type = s.GetProperty("signing_type").GetString()!;
            if (type is "broken" or "unsigned" || type.StartsWith("CMS (other", StringComparison.Ordinal))
            {
                return SignatureVerdict.Invalid;
            }

            if (s.TryGetProperty("code_directories", out var cds)
                && cds.EnumerateArray().Any(cd => cd.GetProperty("code_pages_ok").GetString()!.Split('/') is var p && p[0] != p[1]))
            {
                return SignatureVerdict.Invalid;
            }
        }

        return SignatureVerdict.Valid;
    }

    private static SignatureClassification ExpectedClassification(string signingType) => signingType switch
    {
        "Developer ID" => SignatureClassification.DeveloperId,
        "Apple (platform)" => SignatureClassification.Apple,
        "ad-hoc" => SignatureClassification.AdHoc,
        "linker-signed (ad-hoc)" => SignatureClassification.LinkerSigned,
        "unsigned" => SignatureClassification.Unsigned,
        "Apple Development" or "Apple Development (Mac Developer)" => SignatureClassification.AppleDevelopment,
        "Mac App Store submission (3rd Party Mac Developer)" => SignatureClassification.MacAppStoreSubmission,
        _ when signingType.StartsWith("CMS (other", StringComparison.Ordinal) => SignatureClassification.Untrusted,
        _ => throw new ArgumentOutOfRangeException(nameof(signingType), signingType, "unmapped manifest signing type"),
    };

    private void Dump(VerificationReport report)
    {
        output.WriteLine($"{report.Path}: {report.Verdict} {report.Classification}");
        foreach (var f in report.Findings)
        {
            output.WriteLine("  " + f);
        }
    }
}
