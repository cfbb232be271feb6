using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning.Requirements;
using static SigWatch.Core.Tests.CodeSigning.Requirements.TestCertificates;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

public sealed class RequirementEvaluatorTests
{
    private const string DeveloperIdDr =
        "identifier \"com.example.app\" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = TEAMID1234";

    private static RequirementEvaluation Evaluate(string requirement, IRequirementSubject subject, AppleRootCertificates? roots = null) =>
        new RequirementEvaluator(roots ?? AppleRootCertificates.Pinned).Evaluate(RequirementParser.ParseExpression(requirement), subject);

    private static RequirementSubject DeveloperIdSubject(string team = "TEAMID1234") =>
        new() { Identifier = "com.example.app", Certificates = DeveloperIdChain(team), PlatformIdentifier = 0 };

    [Fact]
    public void Evaluate_IdentifierDiffers_ExplainsWithTheValueSeen()
    {
        var result = Evaluate("identifier \"com.apple.unzip\" and anchor apple", new RequirementSubject { Identifier = "com.apple.zipinfo", Certificates = [], PlatformIdentifier = 0 });

        Assert.Equal(RequirementOutcome.NotSatisfied, result.Outcome);
        Assert.Equal("identifier \"com.apple.unzip\"", result.DecisiveClause!.Clause.ToString());
        Assert.Equal("\"com.apple.zipinfo\"", result.DecisiveClause.Observed);
        Assert.Equal("not satisfied: identifier \"com.apple.unzip\": identifier differs (found \"com.apple.zipinfo\")", result.Explanation);
    }

    [Fact]
    public void Evaluate_DeveloperIdDrAgainstItsChain_IsSatisfied()
    {
        var subject = DeveloperIdSubject();

        var result = Evaluate(DeveloperIdDr, subject, TrustingRootOf(subject.Certificates!));

        Assert.Equal(RequirementOutcome.Satisfied, result.Outcome);
        Assert.Equal("satisfied", result.Explanation);
        Assert.Equal(5, result.Clauses.Count);
    }

    [Fact]
    public void Evaluate_DeveloperIdDrWithOtherTeam_FailsAtSubjectOu()
    {
        var subject = DeveloperIdSubject("OTHERTEAM9");

        var result = Evaluate(DeveloperIdDr, subject, TrustingRootOf(subject.Certificates!));

        Assert.Equal(RequirementOutcome.NotSatisfied, result.Outcome);
        Assert.Equal("certificate leaf[subject.OU] = TEAMID1234", result.DecisiveClause!.Clause.ToString());
        Assert.Equal("OTHERTEAM9", result.DecisiveClause.Observed);
    }

    [Fact]
    public void Evaluate_ChainNotAnchoredAtPinnedAppleRoot_FailsAtAnchorAppleGeneric()
    {
        var result = Evaluate(DeveloperIdDr, DeveloperIdSubject());

        Assert.Equal(RequirementOutcome.NotSatisfied, result.Outcome);
        Assert.IsType<AppleGenericAnchorExpression>(result.DecisiveClause!.Clause);
        Assert.Equal("root \"Apple Root CA\"", result.DecisiveClause.Observed);
    }

    [Fact]
    public void Evaluate_XcodeCombinedDr_SatisfiedThroughTheDeveloperIdBranch()
    {
        var subject = DeveloperIdSubject();
        const string xcode = "anchor apple generic and identifier \"com.example.app\" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = TEAMID1234)";

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate(xcode, subject, TrustingRootOf(subject.Certificates!)).Outcome);
    }

    [Fact]
    public void Evaluate_AnchorApple_RequiresCodeSigningCaAndSoftwareSigningLeaf()
    {
        var apple = Chain("CN=Software Signing, O=Apple Inc.", [Marker(SoftwareSigning)],
            "CN=Apple Code Signing Certification Authority, O=Apple Inc.");
        var notSoftwareSigning = Chain("CN=Software Signing, O=Apple Inc.", [],
            "CN=Apple Code Signing Certification Authority, O=Apple Inc.");

        Assert.Equal(RequirementOutcome.Satisfied,
            Evaluate("anchor apple", new RequirementSubject { Certificates = apple }, TrustingRootOf(apple)).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied,
            Evaluate("anchor apple", new RequirementSubject { Certificates = notSoftwareSigning }, TrustingRootOf(notSoftwareSigning)).Outcome);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(null)]
    [InlineData(0)]
    public void Evaluate_AnchorAppleOnCodeWithoutCertificates_IsUnknownBecauseOfTheTrustCache(int? platform)
    {
        // reqinterp.cpp appleSigned: a kernel trust-cache hit satisfies "anchor apple" with no chain at all.
        var result = Evaluate("anchor apple", new RequirementSubject { Certificates = [], PlatformIdentifier = platform });

        Assert.Equal(RequirementOutcome.Unknown, result.Outcome);
        Assert.Contains("trust cache", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AnchorAppleOnThirdPartyChain_IsNotSatisfied()
    {
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("anchor apple", DeveloperIdSubject()).Outcome);
    }

    [Fact]
    public void Evaluate_Notarized_UnknownOfflineUnlessStapled()
    {
        Assert.Equal(RequirementOutcome.Unknown, Evaluate("notarized", new RequirementSubject()).Outcome);
        Assert.Equal(RequirementOutcome.Unknown, Evaluate("! notarized", new RequirementSubject { Notarization = NotarizationState.NotStapled }).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("notarized", new RequirementSubject { Notarization = NotarizationState.Stapled }).Outcome);
        Assert.StartsWith("cannot be decided offline: notarized", Evaluate("notarized", new RequirementSubject()).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ThreeValuedLogic_FalseDominatesAndTrueDominatesOr()
    {
        var subject = new RequirementSubject { Identifier = "a" };

        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("notarized and identifier b", subject).Outcome);
        Assert.Equal(RequirementOutcome.Unknown, Evaluate("notarized and identifier a", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("notarized or identifier a", subject).Outcome);
        Assert.Equal(RequirementOutcome.Unknown, Evaluate("notarized or identifier b", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("identifier b or identifier c", subject).Outcome);
        Assert.Equal("identifier b", Evaluate("identifier b or identifier c", subject).DecisiveClause!.Clause.ToString());
    }

    [Fact]
    public void Evaluate_NegatedClauseThatHolds_ExplainsThroughTheNegation()
    {
        var result = Evaluate("identifier a and ! entitlement[\"com.apple.security.get-task-allow\"] exists", new RequirementSubject
        {
            Identifier = "a",
            Entitlements = new Dictionary<string, object?> { ["com.apple.security.get-task-allow"] = true },
        });

        Assert.Equal(RequirementOutcome.NotSatisfied, result.Outcome);
        Assert.Equal(
            "not satisfied: ! entitlement[\"com.apple.security.get-task-allow\"] /* exists */: negated clause is satisfied: matches (found true)",
            result.Explanation);
    }

    [Theory]
    [InlineData("info[CFBundleShortVersionString] >= \"1.10\"", "1.9", RequirementOutcome.NotSatisfied)]
    [InlineData("info[CFBundleShortVersionString] >= \"1.10\"", "1.10.1", RequirementOutcome.Satisfied)]
    [InlineData("info[CFBundleShortVersionString] < \"2\"", "10", RequirementOutcome.NotSatisfied)]
    [InlineData("info[CFBundleShortVersionString] = \"1.\"*", "1.2", RequirementOutcome.Satisfied)]
    [InlineData("info[CFBundleShortVersionString] = *\".2\"", "1.2", RequirementOutcome.Satisfied)]
    [InlineData("info[CFBundleShortVersionString] ~ \".\"", "1.2", RequirementOutcome.Satisfied)]
    [InlineData("info[CFBundleShortVersionString] absent", "1.2", RequirementOutcome.NotSatisfied)]
    [InlineData("info[Missing] absent", "1.2", RequirementOutcome.Satisfied)]
    [InlineData("info[Missing] exists", "1.2", RequirementOutcome.NotSatisfied)]
    public void Evaluate_InfoPlistMatches_FollowInterpreterSemantics(string requirement, string version, RequirementOutcome expected)
    {
        var subject = new RequirementSubject { InfoPlist = new Dictionary<string, object?> { ["CFBundleShortVersionString"] = version } };

        Assert.Equal(expected, Evaluate(requirement, subject).Outcome);
    }

    [Fact]
    public void Evaluate_InfoPlistNotProvided_IsUnknown()
    {
        Assert.Equal(RequirementOutcome.Unknown, Evaluate("info[CFBundleVersion] exists", new RequirementSubject()).Outcome);
    }

    [Fact]
    public void Evaluate_Entitlements_BooleanFalseDoesNotExistAndArraysMatchAnyElement()
    {
        var subject = new RequirementSubject
        {
            Entitlements = new Dictionary<string, object?>
            {
                ["com.apple.security.app-sandbox"] = true,
                ["com.apple.security.get-task-allow"] = false,
                ["com.apple.security.application-groups"] = new List<object?> { "group.a", "group.b" },
                ["number"] = 1L,
            },
        };

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("entitlement[\"com.apple.security.app-sandbox\"] exists", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("entitlement[\"com.apple.security.get-task-allow\"] exists", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("entitlement[\"com.apple.security.application-groups\"] = \"group.b\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("entitlement[number] = \"1\"", subject).Outcome); // CFEqual(number, string)
        var failed = Evaluate("entitlement[\"com.apple.security.application-groups\"] = \"group.c\"", subject);
        Assert.Equal("[\"group.a\", \"group.b\"]", failed.DecisiveClause!.Observed);
    }

    [Fact]
    public void Evaluate_CdHash_MatchesAnyCodeDirectoryAndIsUnknownWithoutOne()
    {
        var first = Enumerable.Repeat((byte)0xAA, 20).ToArray();
        var second = Enumerable.Repeat((byte)0xBB, 20).ToArray();
        var subject = new RequirementSubject { CdHashes = [first, second] };

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate($"cdhash H\"{Convert.ToHexString(second)}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate($"cdhash H\"{new string('c', 40)}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Unknown, Evaluate($"cdhash H\"{new string('c', 40)}\"", new RequirementSubject()).Outcome);
    }

    [Fact]
    public void Evaluate_CertificateHashAndSlots_FollowContextCertIndexing()
    {
        var chain = DeveloperIdChain();
        var subject = new RequirementSubject { Certificates = chain };
        string Sha1(X509Certificate2 c) => Convert.ToHexString(SHA1.HashData(c.RawData));

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate($"certificate root = H\"{Sha1(chain[2])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate($"anchor = H\"{Sha1(chain[2])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate($"certificate -2 = H\"{Sha1(chain[1])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate($"certificate leaf = H\"{Sha1(chain[0])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate($"certificate 1 = H\"{Sha1(chain[0])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate($"certificate 3 = H\"{Sha1(chain[0])}\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate($"certificate -4[subject.CN] exists", subject).Outcome);
    }

    [Fact]
    public void Evaluate_MissingSubjectComponent_FailsEvenForAbsent()
    {
        // reqinterp.cpp certFieldValue returns false when the DN component is missing; it never matches kCFNull.
        var subject = new RequirementSubject { Certificates = Chain("CN=No Org", []) };

        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("certificate leaf[subject.OU] absent", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("certificate leaf[subject.NOPE] exists", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("certificate leaf[subject.CN] = \"No Org\"", subject).Outcome);
    }

    [Fact]
    public void Evaluate_MultiValuedRdn_FindsTheAttributeInsideIt()
    {
        var chain = Chain(MultiValuedName("Dev", "TEAMX", "Org"), []);
        Assert.Contains(chain[0].SubjectName.EnumerateRelativeDistinguishedNames(), rdn => rdn.HasMultipleElements);

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("certificate leaf[subject.OU] = TEAMX", new RequirementSubject { Certificates = chain }).Outcome);
    }

    [Fact]
    public void Evaluate_DateExtension_ComparesAsDates()
    {
        var chain = Chain("CN=Dev", [DateExtension("1.2.840.113635.100.6.1.33", "20200101000000Z")]);
        var subject = new RequirementSubject { Certificates = chain };

        Assert.Equal(RequirementOutcome.NotSatisfied,
            Evaluate("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] < timestamp \"20190408000000Z\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied,
            Evaluate("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] >= timestamp \"20190408000000Z\"", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied,
            Evaluate("certificate 1[timestamp.1.2.840.113635.100.6.1.33] absent", subject).Outcome);
    }

    [Fact]
    public void Evaluate_PolicyAndEmail_ReadTheirExtensions()
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress("dev@example.com");
        var chain = Chain("CN=Dev", [Policies("1.2.840.113635.100.5.1"), san.Build()]);
        var subject = new RequirementSubject { Certificates = chain };
        var email = new CertificateFieldExpression(CertificateFieldKind.Subject, 0, RequirementData.FromString("email"),
            RequirementMatch.EqualTo("dev@example.com"));

        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("certificate leaf[policy.1.2.840.113635.100.5.1] exists", subject).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("certificate leaf[policy.1.2.840.113635.100.5.2] exists", subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied, RequirementEvaluator.Default.Evaluate(email, subject).Outcome);
    }

    [Fact]
    public void Evaluate_UndecodablePoliciesExtension_IsUnknownNotAbsent()
    {
        var chain = Chain("CN=Dev", [new X509Extension("2.5.29.32", [0x30, 0x05, 0x01], critical: false)]);
        var subject = new RequirementSubject { Certificates = chain };

        var result = Evaluate("certificate leaf[policy.1.2.840.113635.100.5.1] absent", subject);

        Assert.Equal(RequirementOutcome.Unknown, result.Outcome);
        Assert.Contains("certificatePolicies", result.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anchor trusted")]
    [InlineData("certificate 1 trusted")]
    [InlineData("anchor apple named")]
    [InlineData("(com.apple.named)")]
    [InlineData("legacy")]
    public void Evaluate_SystemDependentClauses_AreUnknown(string requirement)
    {
        Assert.Equal(RequirementOutcome.Unknown, Evaluate(requirement, DeveloperIdSubject()).Outcome);
    }

    [Fact]
    public void Evaluate_PlatformAndUnsupportedForm()
    {
        Assert.Equal(RequirementOutcome.Satisfied, Evaluate("platform = 2", new RequirementSubject { PlatformIdentifier = 2 }).Outcome);
        Assert.Equal(RequirementOutcome.NotSatisfied, Evaluate("platform = 2", new RequirementSubject { PlatformIdentifier = 0 }).Outcome);
        var lwcr = Requirement.Decode(RequirementSamples.Hex("FADE0C00 00000010 00000002 00000000"));
        Assert.Equal(RequirementOutcome.Unknown, RequirementEvaluator.Default.Evaluate(lwcr, new RequirementSubject()).Outcome);
    }

    [Fact]
    public void Evaluate_GenericOpcodes_FalseIsFalseAndSkipEvaluatesTheNextExpression()
    {
        var subject = new RequirementSubject();

        Assert.Equal(RequirementOutcome.NotSatisfied,
            RequirementEvaluator.Default.Evaluate(new UnknownOperationExpression(0x8000_0077, RequirementData.Empty, null), subject).Outcome);
        Assert.Equal(RequirementOutcome.Satisfied,
            RequirementEvaluator.Default.Evaluate(new UnknownOperationExpression(0x4000_0077, RequirementData.Empty, new ConstantExpression(true)), subject).Outcome);
    }

    [Theory]
    [InlineData("identifier a", 0, "satisfied")]
    [InlineData("identifier b", 1, "not satisfied: identifier b: identifier differs (found a)")]
    [InlineData("notarized", 1, "cannot be decided offline: notarized")]
    [InlineData("designated => identifier a", 0, "satisfied")]
    [InlineData("identifier a and\n  (anchor", 2, "2:10: expected")]
    public void Check_MapsOutcomesToExitCodes(string text, int exitCode, string message)
    {
        var result = RequirementCheck.Check(text, new RequirementSubject { Identifier = "a" }, RequirementEvaluator.Default);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith(message, result.Message, StringComparison.Ordinal);
    }
}
