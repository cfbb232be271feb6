namespace SigWatch.Core.CodeSigning;

/// <summary>
/// Pinned Apple roots and the Apple certificate OIDs used for classification (reference §6.3, §6.4; SEC
/// <c>OSX/utilities/SecAppleAnchor.c</c>, <c>reqinterp.cpp</c>). No system trust store is ever consulted.
/// </summary>
public static class AppleTrust
{
    /// <summary>SHA-256 (upper-case hex of the DER) of each Apple root SEC accepts as "anchor apple generic".</summary>
    public static IReadOnlyDictionary<string, string> RootPins { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["B0B1730ECBC7FF4505142C49F1295E6EDA6BCAED7E2C68C5BE91B5A11001F024"] = "Apple Root CA",
        ["C2B9B042DD57830E7D117DAC55AC8AE19407D38E41D88F3215BC3A890444A050"] = "Apple Root CA - G2",
        ["63343ABFB89A6A03EBB57E9B3F5FA7BE7C4F5C756F3017B3A8C488C3653E9179"] = "Apple Root CA - G3",
        ["FB3F6CF69467B5FA9FFA2B3B392B6E5E775BBB09C77B6E759E9038E26BBF9049"] = "Apple Platform Backport RSA Root CA - G1",
        ["EDA23B3F224F45E0952F20E4D2B33E000D49C8044C1168DE47B443CD2B3536DC"] = "Apple Platform Backport ECC Root CA - G1",
    };

    /// <summary>Apple's private arc; its extensions are marked critical on Apple leaves (reference §6.2 caution).</summary>
    public const string AppleOidPrefix = "1.2.840.113635.";

    public const string CodeSigningEku = "1.3.6.1.5.5.7.3.3";

    public const string LeafAppleDevelopment = "1.2.840.113635.100.6.1.2";
    public const string LeafDistribution = "1.2.840.113635.100.6.1.4";
    public const string LeafMacAppSigning = "1.2.840.113635.100.6.1.7";
    public const string LeafMacAppStore = "1.2.840.113635.100.6.1.9";
    public const string LeafMacDeveloper = "1.2.840.113635.100.6.1.12";
    public const string LeafDeveloperIdApplication = "1.2.840.113635.100.6.1.13";
    public const string LeafSoftwareSigning = "1.2.840.113635.100.6.22";
    public const string IntermediateWwdr = "1.2.840.113635.100.6.2.1";
    public const string IntermediateDeveloperId = "1.2.840.113635.100.6.2.6";
    public const string IntermediateTimestamp = "1.2.840.113635.100.6.2.9";

    /// <summary>The intermediate of Apple's own OS code ("anchor apple").</summary>
    public const string AppleCodeSigningCaName = "Apple Code Signing Certification Authority";

    public const string OidSigningTime = "1.2.840.113549.1.9.5";
    public const string OidTimestampToken = "1.2.840.113549.1.9.16.2.14";
    public const string OidCdHashesPlist = "1.2.840.113635.100.9.1";
    public const string OidCdHashes2 = "1.2.840.113635.100.9.2";
}
