using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Verification;

/// <summary>
/// Builds the facts a code requirement tests (<see cref="IRequirementSubject"/>) from a verification
/// report: identifier, team, every cdhash, platform, the signer chain, the bound Info.plist and the
/// entitlements. Notarization is Unknown offline unless the caller knows a ticket is stapled.
/// </summary>
public static class RequirementSubjects
{
    public static RequirementSubject FromReport(
        VerificationReport report,
        PlistDictionary? infoPlist = null,
        NotarizationState notarization = NotarizationState.Unknown)
    {
        ArgumentNullException.ThrowIfNull(report);
        var signed = report.Architectures.Where(a => a.Best is not null).ToList();
        var primary = signed.FirstOrDefault();
        var best = primary?.Best;
        if (infoPlist is null && primary?.Image is { } image && image.TryGetInfoPlist(out var embedded)
            && PropertyList.TryRead(embedded.Span, out var value, out _))
        {
            // A standalone tool binds the Info.plist in its __TEXT,__info_plist section (reference §5).
            infoPlist = value as PlistDictionary;
        }

        return new RequirementSubject
        {
            Identifier = best?.Identifier,
            TeamId = best?.TeamId,
            PlatformIdentifier = best?.Platform,
            CdHashes = [.. signed.SelectMany(a => a.CodeDirectories).Select(c => c.Directory.CdHash.ToArray())],
            Certificates = primary?.Signature?.CmsSignature is { Length: > 0 } cms ? SignerChain(cms) : [],
            InfoPlist = infoPlist is null ? new Dictionary<string, object?>() : ToClr(infoPlist),
            Entitlements = ReadEntitlements(primary?.Signature?.Entitlements?.Xml),
            Notarization = notarization,
        };
    }

    /// <summary>
    /// The signer's certificate followed by its issuers, from the CMS certificate bag (leaf first,
    /// anchor last), as Security's requirement context sees the chain. Empty when the CMS does not decode.
    /// </summary>
    public static IReadOnlyList<X509Certificate2> SignerChain(ReadOnlyMemory<byte> cms)
    {
        var chain = new List<X509Certificate2>();
        try
        {
            var signedCms = new SignedCms();
            signedCms.Decode(cms.Span);
            if (signedCms.SignerInfos.Count == 0 || signedCms.SignerInfos[0].Certificate is not { } leaf)
            {
                return chain;
            }

            chain.Add(leaf);
            var bag = signedCms.Certificates.Cast<X509Certificate2>().ToList();
            // Bounded: a bag cannot make us loop, and a self-issued certificate ends the chain.
            while (chain.Count < 10 && !chain[^1].SubjectName.RawData.AsSpan().SequenceEqual(chain[^1].IssuerName.RawData)
                && bag.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(chain[^1].IssuerName.RawData)) is { } issuer)
            {
                chain.Add(issuer);
            }
        }
        catch (CryptographicException)
        {
            chain.Clear();
        }

        return chain;
    }

    /// <summary>Plain .NET values for the requirement evaluator (its documented value conventions).</summary>
    public static Dictionary<string, object?> ToClr(PlistDictionary dictionary) =>
        dictionary.ToDictionary(e => e.Key, e => ToClr(e.Value), StringComparer.Ordinal);

    public static object? ToClr(PlistValue value) => value switch
    {
        PlistString s => s.Value,
        PlistBoolean b => b.Value,
        PlistInteger i => i.TryGetInt64(out var l) ? l : i.TryGetUInt64(out var u) ? u : null,
        PlistReal r => r.Value,
        PlistDate d => d.Value,
        PlistData data => data.Value.ToArray(),
        PlistUid uid => uid.Value,
        PlistArray array => array.Items.Select(ToClr).ToList(),
        PlistDictionary dict => ToClr(dict),
        _ => null,
    };

    // No entitlements blob: known to have none. A blob that does not parse: unknown (null), so an
    // entitlement clause evaluates to Unknown rather than "absent".
    private static Dictionary<string, object?>? ReadEntitlements(string? xml) =>
        xml is null ? []
        : PropertyList.TryRead(System.Text.Encoding.UTF8.GetBytes(xml), out var value, out _) && value is PlistDictionary dict ? ToClr(dict)
        : null;
}
