using System.Text;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>
/// Turns seal findings into explanations (issue #5 "Diagnose"): Unicode normalization pairs, files changed after
/// signing, AppleDouble debris and quarantined files inside the bundle.
/// </summary>
internal static class SealDiagnostics
{
    public const string NormalizationExplanation =
        "the same name in another Unicode normalization form (NFC vs NFD): a copy tool (Finder to/from an HFS+ or SMB volume, unzip, 7z, git, CI artifacts) rewrote the name's bytes";

    public const string NormalizationRemedy =
        "re-copy the original with ditto (or an archive made with ditto -c -k --keepParent), or re-sign after the copy";

    public const string AddedAfterSigningExplanation = "changed after the bundle was signed: something wrote into the bundle after signing (an installer, the app itself, a user)";

    public const string AddedAfterSigningRemedy = "remove the change or reinstall the app; apps must keep writable data outside their bundle (Application Support, caches)";

    public const string AppleDoubleExplanation = "AppleDouble debris (._* files, __MACOSX) left by a non-Mac file system (FAT, exFAT, SMB) or an archiver that stores extended attributes as files";

    public const string AppleDoubleRemedy = "delete them (dot_clean -m on macOS), and copy or unpack with ditto instead";

    public const string QuarantineExplanation = "files inside the bundle carry com.apple.quarantine (App Store rejection ITMS-91109; Gatekeeper assesses them again)";

    public const string QuarantineRemedy = "clear it from the files inside the bundle before packaging (xattr -dr com.apple.quarantine on the copy you build from)";

    public static IReadOnlyList<Diagnosis> Diagnose(List<Finding> findings, SealWalkResult walk, DateTimeOffset? signingTime)
    {
        var diagnoses = new List<Diagnosis>();
        PairNormalizationMismatches(findings, walk, diagnoses);

        if (signingTime is { } signed)
        {
            var late = walk.Added.Concat(walk.Modified).Where(a => a.Entry.Modified > signed)
                .Select(a => a.Path).Order(StringComparer.Ordinal).ToList();
            if (late.Count > 0)
            {
                diagnoses.Add(new Diagnosis(DiagnosisKind.AddedAfterSigning, late,
                    $"{late.Count} file(s) {AddedAfterSigningExplanation} at {signed:u}", AddedAfterSigningRemedy));
            }
        }

        if (walk.AppleDouble.Count > 0)
        {
            diagnoses.Add(new Diagnosis(DiagnosisKind.AppleDouble, [.. walk.AppleDouble.Order(StringComparer.Ordinal)],
                $"{walk.AppleDouble.Count} item(s) of {AppleDoubleExplanation}", AppleDoubleRemedy));
        }

        if (walk.Quarantined.Count > 0)
        {
            diagnoses.Add(new Diagnosis(DiagnosisKind.QuarantineInsideBundle, [.. walk.Quarantined.Order(StringComparer.Ordinal)],
                $"{walk.Quarantined.Count} item(s): {QuarantineExplanation}", QuarantineRemedy));
        }

        return diagnoses;
    }

    // Matching stays ordinal (reference §10); only here, after the fact, are added/missing pairs compared in NFC.
    private static void PairNormalizationMismatches(List<Finding> findings, SealWalkResult walk, List<Diagnosis> diagnoses)
    {
        if (walk.Added.Count == 0 || walk.Missing.Count == 0)
        {
            return;
        }

        var missingByNfc = new Dictionary<string, string>(StringComparer.Ordinal);
        // Ordinal order, so that a re-verification that merged its walk in another order pairs exactly as a full one.
        foreach (var missing in walk.Missing.Order(StringComparer.Ordinal))
        {
            if (TryNormalize(missing) is { } key)
            {
                missingByNfc.TryAdd(key, missing);
            }
        }

        foreach (var added in walk.Added.Select(a => a.Path).Order(StringComparer.Ordinal))
        {
            if (TryNormalize(added) is not { } key || !missingByNfc.Remove(key, out var sealedName) || sealedName == added)
            {
                continue;
            }

            findings.RemoveAll(f => (f.Kind == FindingKind.FileAdded && f.Path == added) || (f.Kind == FindingKind.FileMissing && f.Path == sealedName));
            findings.Add(new Finding(FindingKind.NormalizationMismatch, FindingSeverity.Error,
                $"on disk as {Form(added)} {Escape(added)}, sealed as {Form(sealedName)} {Escape(sealedName)}", added));
            diagnoses.Add(new Diagnosis(DiagnosisKind.NormalizationMismatch, [added, sealedName], NormalizationExplanation, NormalizationRemedy));
        }
    }

    private static string? TryNormalize(string s)
    {
        try
        {
            return s.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return null; // lone surrogates cannot be normalized
        }
    }

    private static string Form(string s) => s.IsNormalized(NormalizationForm.FormC) ? "NFC" : s.IsNormalized(NormalizationForm.FormD) ? "NFD" : "mixed form";

    /// <summary>The name with every non-ASCII character as U+XXXX, so both byte forms are visible in one line.</summary>
    public static string Escape(string s)
    {
        var builder = new StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            if (c < 0x80)
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");
            }
        }

        return builder.ToString();
    }
}
