namespace SigWatch.Core.Verification;

/// <summary>
/// Who signed the code, decided from the certificate OIDs (reference §6.3 profiles) and CodeDirectory flags.
/// Only a chain that ends at a pinned Apple root earns an Apple profile; any other CMS signer is <see cref="Untrusted"/>.
/// </summary>
public enum SignatureClassification
{
    Unsigned,
    Untrusted,
    AdHoc,
    LinkerSigned,
    AppleDevelopment,
    MacAppStoreSubmission,
    AppleDistribution,
    DeveloperId,
    AppStore,
    Apple,
}

public static class SignatureClassifications
{
    public static string Name(SignatureClassification classification) => classification switch
    {
        SignatureClassification.Unsigned => "unsigned",
        SignatureClassification.Untrusted => "untrusted",
        SignatureClassification.AdHoc => "ad-hoc",
        SignatureClassification.LinkerSigned => "linker-signed",
        SignatureClassification.AppleDevelopment => "apple-development",
        SignatureClassification.MacAppStoreSubmission => "mac-app-store-submission",
        SignatureClassification.AppleDistribution => "apple-distribution",
        SignatureClassification.DeveloperId => "developer-id",
        SignatureClassification.AppStore => "app-store",
        SignatureClassification.Apple => "apple",
        _ => throw new ArgumentOutOfRangeException(nameof(classification), classification, null),
    };
}

/// <summary>The overall outcome. Our verdict is not Gatekeeper's: see docs/check-json.md.</summary>
public enum SignatureVerdict
{
    Valid,
    Invalid,
    Unsigned,
}
