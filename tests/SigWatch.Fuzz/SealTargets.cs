using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;

namespace SigWatch.Fuzz;

/// <summary>
/// Fuzz targets for a bundle's seal and the CMS wrapper of a code signature. CodeResources comes from the bundle, so
/// its rule patterns are hostile regular expressions: each parsed rule set is also asked about paths that make a
/// backtracking engine work, which the rule's match timeout must bound (AFL's hang timeout catches it if not).
/// </summary>
public static class SealTargets
{
    private static readonly string[] s_paths =
    [
        "Info.plist", "Resources/en.lproj/Localizable.strings", "MacOS/App", "Frameworks/A.framework", "_CodeSignature/CodeResources",
        new string('a', 64) + "!", "Resources/" + string.Concat(Enumerable.Repeat("x/", 40)) + "y",
    ];

    /// <summary>CodeResources → rules and entries; only <see cref="SealFormatException"/> may come out.</summary>
    public static void CodeResources(ReadOnlySpan<byte> data)
    {
        Core.Seal.CodeResources seal;
        try
        {
            seal = Core.Seal.CodeResources.Parse(data);
        }
        catch (SealFormatException)
        {
            return;
        }

        var rules = new ResourceRuleSet([], seal.Rules);
        foreach (var path in s_paths)
        {
            _ = rules.FindRule(path);
        }

        foreach (var entry in seal.Files.Values)
        {
            _ = rules.FindRule(entry.Path);
        }
    }

    /// <summary>
    /// An embedded-signature SuperBlob → its CMS blob verified over its CodeDirectories (SignedCms decoding, the
    /// signed attributes, the cdhashes plist, the chain): the verifier must turn every input into a report.
    /// </summary>
    public static void CmsSignature(ReadOnlySpan<byte> data)
    {
        CodeSignature signature;
        try
        {
            signature = CodeSignature.ReadEmbedded(data.ToArray(), 0);
        }
        catch (MalformedDataException)
        {
            return;
        }

        // As CodeSignatureVerifier calls it: only with a slot-0 CodeDirectory to check the CMS against (its precondition).
        if (signature.CmsSignature is { } cms && signature.Primary is not null)
        {
            _ = new CmsSignatureVerifier().Verify(cms, signature, s_now, "arm64", "fuzz", new List<Finding>());
        }
    }

    // A fixed clock keeps a run reproducible: the verifier's outcome depends on the time for untimestamped signatures.
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
}
