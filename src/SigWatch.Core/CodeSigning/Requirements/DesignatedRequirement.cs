using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>Which rule produced a designated requirement.</summary>
public enum DesignatedRequirementKind
{
    /// <summary>Taken from the signature's requirement set (what the verifier uses when present).</summary>
    Explicit,

    /// <summary>Ad-hoc code: <c>cdhash H"…" or cdhash H"…"</c> over every CodeDirectory.</summary>
    AdHoc,

    /// <summary>Developer ID: cert 1 has the Developer ID CA marker 1.2.840.113635.100.6.2.6.</summary>
    DeveloperId,

    /// <summary>Mac App Store (Apple's re-signing): the leaf has 1.2.840.113635.100.6.1.9.</summary>
    AppStore,

    /// <summary>Apple Development/Distribution and iOS: cert 1 has the WWDR marker 1.2.840.113635.100.6.2.1.</summary>
    AppleDeveloper,

    /// <summary>Any other Apple-anchored chain: <c>identifier … and anchor apple</c>.</summary>
    Apple,

    /// <summary>A chain that is not anchored at an Apple root: pinned by certificate hash.</summary>
    NonAppleAnchor,
}

/// <summary>A designated requirement and where it came from.</summary>
public sealed record DesignatedRequirement(DesignatedRequirementKind Kind, Requirement Requirement)
{
    public bool IsExplicit => Kind == DesignatedRequirementKind.Explicit;

    /// <summary>What <c>codesign -d -r-</c> prints: <c>designated =&gt; …</c>, or <c># designated =&gt; …</c> when implicit.</summary>
    public override string ToString() => (IsExplicit ? string.Empty : "# ") + "designated => " + Requirement;
}

/// <summary>
/// The designated requirement of a piece of code: the explicit one from its requirement set, or the default Apple
/// computes (drmaker.cpp <c>DRMaker::make</c> for signed code; StaticCode.cpp <c>defaultDesignatedRequirement</c>
/// for ad-hoc code). Trees are built with drmaker's right-nested <c>and</c> chains and the ad-hoc <c>or</c> chain
/// left-nested (reqmaker.h <c>Chain</c>), so encoding reproduces Apple's bytes.
/// </summary>
public static class DesignatedRequirementSynthesizer
{
    private const string WwdrMarker = "1.2.840.113635.100.6.2.1";
    private const string DeveloperIdCaMarker = "1.2.840.113635.100.6.2.6";
    private const string DeveloperIdLeafMarker = "1.2.840.113635.100.6.1.13";
    private const string MacAppStoreLeafMarker = "1.2.840.113635.100.6.1.9";

    /// <summary>The explicit DR of <paramref name="internalRequirements"/> if it has one, otherwise the synthesized default.</summary>
    public static DesignatedRequirement? Resolve(RequirementSet? internalRequirements, IRequirementSubject subject, AppleRootCertificates appleRoots)
    {
        if (internalRequirements?.Designated is { } designated)
        {
            return new DesignatedRequirement(DesignatedRequirementKind.Explicit, designated);
        }

        return Synthesize(subject, appleRoots);
    }

    /// <summary>
    /// The default DR, or null when the subject lacks what the rule needs (no certificate chain information, no
    /// identifier, no cdhash for ad-hoc code, a leaf without the CN/OU the rule embeds, or undecodable certificates).
    /// </summary>
    public static DesignatedRequirement? Synthesize(IRequirementSubject subject, AppleRootCertificates appleRoots)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(appleRoots);
        try
        {
            return SynthesizeCore(subject, appleRoots);
        }
        catch (CryptographicException)
        {
            return null; // a certificate whose name or extensions cannot be decoded gives no basis for a DR
        }
    }

    private static DesignatedRequirement? SynthesizeCore(IRequirementSubject subject, AppleRootCertificates appleRoots)
    {
        if (subject.Certificates is not { } chain)
        {
            return null;
        }

        if (chain.Count == 0)
        {
            return AdHoc(subject.CdHashes);
        }

        if (subject.Identifier is null)
        {
            return null;
        }

        var identifier = new IdentifierExpression(RequirementData.FromString(subject.Identifier));
        if (!appleRoots.IsAppleAnchored(chain))
        {
            return Build(DesignatedRequirementKind.NonAppleAnchor, identifier, NonAppleAnchor(chain));
        }

        var leaf = chain[0];

        // Mac App Store apps are re-signed by Apple with a 6.1.9 leaf and carry this explicit DR [obs]; drmaker.cpp
        // on its own would take the WWDR branch below for that chain. Checked first so such apps get their real DR.
        if (CertificateInspector.HasExtension(leaf, MacAppStoreLeafMarker))
        {
            return Build(DesignatedRequirementKind.AppStore, identifier,
                new AndExpression(new AppleGenericAnchorExpression(), Extension(CertificateSlot.Leaf, MacAppStoreLeafMarker)));
        }

        // drmaker.cpp isIOSSignature / isDeveloperIDSignature: exactly leaf, one intermediate, anchor.
        if (chain.Count == 3 && CertificateInspector.HasExtension(chain[1], WwdrMarker))
        {
            if (CertificateInspector.SubjectAttribute(leaf, CertificateInspector.CommonNameOid) is not { } cn)
            {
                return null;
            }

            return Build(DesignatedRequirementKind.AppleDeveloper, identifier,
                new AndExpression(
                    new AppleGenericAnchorExpression(),
                    new AndExpression(
                        new CertificateFieldExpression(CertificateFieldKind.Subject, CertificateSlot.Leaf, RequirementData.FromString("subject.CN"), RequirementMatch.EqualTo(cn)),
                        Extension(1, WwdrMarker))));
        }

        if (chain.Count == 3 && CertificateInspector.HasExtension(chain[1], DeveloperIdCaMarker))
        {
            if (CertificateInspector.SubjectAttribute(leaf, CertificateInspector.OrganizationalUnitOid) is not { } team)
            {
                return null;
            }

            return Build(DesignatedRequirementKind.DeveloperId, identifier,
                new AndExpression(
                    new AppleGenericAnchorExpression(),
                    new AndExpression(
                        Extension(1, DeveloperIdCaMarker),
                        new AndExpression(
                            Extension(CertificateSlot.Leaf, DeveloperIdLeafMarker),
                            new CertificateFieldExpression(CertificateFieldKind.Subject, CertificateSlot.Leaf, RequirementData.FromString("subject.OU"), RequirementMatch.EqualTo(team))))));
        }

        return Build(DesignatedRequirementKind.Apple, identifier, new AppleAnchorExpression());
    }

    private static DesignatedRequirement? AdHoc(IReadOnlyList<byte[]>? cdhashes)
    {
        if (cdhashes is not { Count: > 0 })
        {
            return null;
        }

        RequirementExpression chain = new CdHashExpression(new RequirementData(cdhashes[0]));
        foreach (var hash in cdhashes.Skip(1))
        {
            chain = new OrExpression(chain, new CdHashExpression(new RequirementData(hash)));
        }

        return new DesignatedRequirement(DesignatedRequirementKind.AdHoc, new Requirement(chain));
    }

    // drmaker.cpp nonAppleAnchor: walk up while the next certificate has the leaf's Organization; pin the last such
    // certificate by SHA-1 ("root" when the walk reaches the anchor, "leaf" when the leaf has no O).
    private static CertificateHashExpression NonAppleAnchor(IReadOnlyList<X509Certificate2> chain)
    {
        var index = 0;
        var organization = CertificateInspector.SubjectAttribute(chain[0], CertificateInspector.OrganizationOid);
        if (organization is not null)
        {
            while (index + 1 < chain.Count
                && CertificateInspector.SubjectAttribute(chain[index + 1], CertificateInspector.OrganizationOid) == organization)
            {
                index++;
            }
        }

        var slot = organization is not null && index == chain.Count - 1 ? CertificateSlot.Root : index;
        return new CertificateHashExpression(slot, new RequirementData(SHA1.HashData(chain[index].RawData)));
    }

    private static CertificateFieldExpression Extension(int slot, string oid) =>
        new(CertificateFieldKind.Extension, slot,
            RequirementOid.TryFromDotted(oid, out var content) ? new RequirementData(content) : throw new ArgumentException(oid),
            RequirementMatch.Exists);

    // drmaker.cpp make: "always require the identifier" as the left operand of the outermost and.
    private static DesignatedRequirement Build(DesignatedRequirementKind kind, IdentifierExpression identifier, RequirementExpression rest) =>
        new(kind, new Requirement(new AndExpression(identifier, rest)));
}
