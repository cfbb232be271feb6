using System.Security.Cryptography;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.TestSupport;
using static SigWatch.Core.Tests.CodeSigning.Requirements.TestCertificates;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

public sealed class DesignatedRequirementTests
{
    [Fact]
    public void Synthesize_DeveloperIdChain_BuildsDrmakerForm()
    {
        var chain = DeveloperIdChain("TEAMID1234");
        var subject = new RequirementSubject { Identifier = "com.example.app", Certificates = chain };

        var dr = DesignatedRequirementSynthesizer.Synthesize(subject, TrustingRootOf(chain))!;

        Assert.Equal(DesignatedRequirementKind.DeveloperId, dr.Kind);
        Assert.Equal(
            "# designated => identifier \"com.example.app\" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = TEAMID1234",
            dr.ToString());
        Assert.Equal(RequirementOutcome.Satisfied, new RequirementEvaluator(TrustingRootOf(chain)).Evaluate(dr.Requirement, subject).Outcome);
    }

    [Fact]
    public void Synthesize_WwdrChain_PinsLeafCommonName()
    {
        var chain = Chain("CN=Apple Development: Jane (ABCDE12345), OU=TEAMID1234", [], "CN=Apple WWDR, O=Apple Inc.", [Marker(Wwdr)]);
        var subject = new RequirementSubject { Identifier = "com.example.dev", Certificates = chain };

        var dr = DesignatedRequirementSynthesizer.Synthesize(subject, TrustingRootOf(chain))!;

        Assert.Equal(DesignatedRequirementKind.AppleDeveloper, dr.Kind);
        Assert.Equal(
            "identifier \"com.example.dev\" and anchor apple generic and certificate leaf[subject.CN] = \"Apple Development: Jane (ABCDE12345)\" and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */",
            dr.Requirement.ToString());
    }

    [Fact]
    public void Synthesize_MacAppStoreLeaf_UsesTheAppStoreForm()
    {
        var chain = Chain("CN=Apple Mac OS Application Signing, O=Apple Inc.", [Marker(MacAppStoreLeaf)], "CN=Apple WWDR, O=Apple Inc.", [Marker(Wwdr)]);
        var subject = new RequirementSubject { Identifier = "com.example.mas", Certificates = chain };

        var dr = DesignatedRequirementSynthesizer.Synthesize(subject, TrustingRootOf(chain))!;

        Assert.Equal(DesignatedRequirementKind.AppStore, dr.Kind);
        Assert.Equal(
            "identifier \"com.example.mas\" and anchor apple generic and certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */",
            dr.Requirement.ToString());
    }

    [Fact]
    public void Synthesize_OtherAppleChain_IsIdentifierAndAnchorApple()
    {
        var chain = Chain("CN=Software Signing, O=Apple Inc.", [Marker(SoftwareSigning)], "CN=Apple Code Signing Certification Authority, O=Apple Inc.");
        var dr = DesignatedRequirementSynthesizer.Synthesize(new RequirementSubject { Identifier = "com.apple.cat", Certificates = chain }, TrustingRootOf(chain))!;

        Assert.Equal(DesignatedRequirementKind.Apple, dr.Kind);
        Assert.Equal("identifier \"com.apple.cat\" and anchor apple", dr.Requirement.ToString());
    }

    [Theory]
    [InlineData("CN=Leaf, O=Acme", "CN=Inter, O=Acme", "CN=Root, O=Other", "certificate 1")]
    [InlineData("CN=Leaf, O=Acme", "CN=Inter, O=Acme", "CN=Root, O=Acme", "certificate root")]
    [InlineData("CN=Leaf", "CN=Inter, O=Acme", "CN=Root, O=Acme", "certificate leaf")]
    [InlineData("CN=Leaf, O=Acme", "CN=Inter, O=Other", "CN=Root, O=Acme", "certificate leaf")]
    public void Synthesize_NonAppleChain_PinsTheLastCertificateWithTheLeafsOrganization(string leaf, string intermediate, string root, string expectedSlot)
    {
        var chain = Chain(leaf, [], intermediate, [], root);
        var dr = DesignatedRequirementSynthesizer.Synthesize(new RequirementSubject { Identifier = "x", Certificates = chain }, AppleRootCertificates.Pinned)!;

        var slot = expectedSlot switch { "certificate root" => 2, "certificate 1" => 1, _ => 0 };
        Assert.Equal(DesignatedRequirementKind.NonAppleAnchor, dr.Kind);
        Assert.Equal($"identifier x and {expectedSlot} = H\"{Convert.ToHexStringLower(SHA1.HashData(chain[slot].RawData))}\"", dr.Requirement.ToString());
        Assert.Equal(RequirementOutcome.Satisfied, RequirementEvaluator.Default.Evaluate(dr.Requirement, new RequirementSubject { Identifier = "x", Certificates = chain }).Outcome);
    }

    [Fact]
    public void Synthesize_AdHoc_ListsEveryCdHashLeftNested()
    {
        byte[][] hashes = [Enumerable.Repeat((byte)1, 20).ToArray(), Enumerable.Repeat((byte)2, 20).ToArray(), Enumerable.Repeat((byte)3, 20).ToArray()];
        var subject = new RequirementSubject { Identifier = "a", Certificates = [], CdHashes = hashes };

        var dr = DesignatedRequirementSynthesizer.Synthesize(subject, AppleRootCertificates.Pinned)!;

        Assert.Equal(DesignatedRequirementKind.AdHoc, dr.Kind);
        Assert.IsType<OrExpression>(Assert.IsType<OrExpression>(dr.Requirement.Expression).Left);
        Assert.Equal(
            $"cdhash H\"{Convert.ToHexStringLower(hashes[0])}\" or cdhash H\"{Convert.ToHexStringLower(hashes[1])}\" or cdhash H\"{Convert.ToHexStringLower(hashes[2])}\"",
            dr.Requirement.ToString());
        Assert.Equal(RequirementOutcome.Satisfied, RequirementEvaluator.Default.Evaluate(dr.Requirement, subject).Outcome);
    }

    [Fact]
    public void Synthesize_MissingFacts_ReturnsNull()
    {
        Assert.Null(DesignatedRequirementSynthesizer.Synthesize(new RequirementSubject { Identifier = "a" }, AppleRootCertificates.Pinned));
        Assert.Null(DesignatedRequirementSynthesizer.Synthesize(new RequirementSubject { Certificates = [] }, AppleRootCertificates.Pinned));
        Assert.Null(DesignatedRequirementSynthesizer.Synthesize(new RequirementSubject { Certificates = DeveloperIdChain() }, AppleRootCertificates.Pinned));
    }

    [Fact]
    public void Resolve_PrefersTheExplicitDesignatedRequirement()
    {
        var set = RequirementSet.Parse("designated => identifier a");
        var subject = new RequirementSubject { Identifier = "a", Certificates = [], CdHashes = [new byte[20]] };

        var explicitDr = DesignatedRequirementSynthesizer.Resolve(set, subject, AppleRootCertificates.Pinned)!;
        var implicitDr = DesignatedRequirementSynthesizer.Resolve(RequirementSet.Parse("library => anchor apple"), subject, AppleRootCertificates.Pinned)!;

        Assert.True(explicitDr.IsExplicit);
        Assert.Equal("designated => identifier a", explicitDr.ToString());
        Assert.Equal(DesignatedRequirementKind.AdHoc, implicitDr.Kind);
        Assert.StartsWith("# designated => cdhash H\"", implicitDr.ToString(), StringComparison.Ordinal);
    }

    [RealFixturesFact]
    public void RealSignatures_ExplicitDesignatedRequirement_IsSatisfiedByTheirOwnChain()
    {
        // Real Apple roots are pinned: this exercises anchor apple generic / anchor apple on Apple-issued chains.
        var signed = EmbeddedSignatureSamples.From(RepoPaths.RealFixtures)
            .Where(s => s.Subject.Certificates!.Count > 0 && s.Requirements?.Designated is not null)
            .ToList();

        Assert.True(signed.Count >= 10, $"only {signed.Count} signed samples");
        Assert.All(signed, s =>
        {
            var result = RequirementEvaluator.Default.Evaluate(s.Requirements!.Designated!, s.Subject);
            Assert.True(result.IsSatisfied, $"{s.Source}: {result.Explanation}");
        });
    }

    [RealFixturesFact]
    public void RealSignatures_SynthesizedDefault_EqualsTheEmbeddedDrmakerDrByteForByte()
    {
        // codesign embeds drmaker.cpp's DR unless told otherwise; Xcode's combined form starts with "anchor apple
        // generic and identifier" and is not a default, so it is left out.
        var candidates = EmbeddedSignatureSamples.From(RepoPaths.RealFixtures)
            .Concat(EmbeddedSignatureSamples.From(RequirementSamples.RuntimeNativeDirectory))
            .Where(s => s.Subject.Certificates!.Count > 0 && s.Requirements?.Designated is { } dr && dr.ToString().StartsWith("identifier ", StringComparison.Ordinal))
            .ToList();

        Assert.True(candidates.Count >= 15, $"only {candidates.Count} drmaker-style samples");
        Assert.Contains(candidates, c => c.Requirements!.Designated!.ToString().EndsWith("anchor apple", StringComparison.Ordinal));
        Assert.Contains(candidates, c => c.Requirements!.Designated!.ToString().Contains("certificate root = H", StringComparison.Ordinal));
        Assert.All(candidates, s =>
        {
            var synthesized = DesignatedRequirementSynthesizer.Synthesize(s.Subject, AppleRootCertificates.Pinned);
            Assert.NotNull(synthesized);
            Assert.True(s.Requirements!.Designated!.ToBlob().AsSpan().SequenceEqual(synthesized.Requirement.ToBlob()),
                $"{s.Source}: embedded {s.Requirements.Designated} / synthesized {synthesized.Requirement}");
        });
    }

    [RealFixturesFact]
    public void RealAdHocSignatures_SynthesizedCdHashDr_IsSatisfied()
    {
        var adhoc = EmbeddedSignatureSamples.From(RepoPaths.RealFixtures).Where(s => s.Subject.Certificates!.Count == 0).ToList();

        Assert.NotEmpty(adhoc);
        Assert.All(adhoc, s =>
        {
            var dr = DesignatedRequirementSynthesizer.Synthesize(s.Subject, AppleRootCertificates.Pinned)!;
            Assert.Equal(DesignatedRequirementKind.AdHoc, dr.Kind);
            Assert.True(RequirementEvaluator.Default.Evaluate(dr.Requirement, s.Subject).IsSatisfied, s.Source);
        });
    }
}
