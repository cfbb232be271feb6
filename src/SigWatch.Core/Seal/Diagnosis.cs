namespace SigWatch.Core.Seal;

/// <summary>Explanations of seal findings that codesign does not give (issue #5, "Diagnose").</summary>
public enum DiagnosisKind
{
    /// <summary>An added and a missing path are the same name in another Unicode normalization form (NFC vs NFD).</summary>
    NormalizationMismatch,

    /// <summary>An added or modified file changed after the bundle was signed.</summary>
    AddedAfterSigning,

    /// <summary><c>._*</c> AppleDouble files or a <c>__MACOSX</c> folder left by a non-Mac file system or archiver.</summary>
    AppleDouble,

    /// <summary>Files inside the bundle carry <c>com.apple.quarantine</c> (App Store rejection ITMS-91109).</summary>
    QuarantineInsideBundle,
}

/// <summary>
/// One diagnosis: the paths it is about (resource-root-relative, raw as on disk or in the seal), a one-line explanation
/// and a remedy. For <see cref="DiagnosisKind.NormalizationMismatch"/> <see cref="Paths"/> holds the on-disk form first,
/// then the sealed form.
/// </summary>
public sealed record Diagnosis(DiagnosisKind Kind, IReadOnlyList<string> Paths, string Explanation, string Remedy)
{
    public string KindName => Name(Kind);

    public static string Name(DiagnosisKind kind) => kind switch
    {
        DiagnosisKind.NormalizationMismatch => "normalization-mismatch",
        DiagnosisKind.AddedAfterSigning => "added-after-signing",
        DiagnosisKind.AppleDouble => "appledouble",
        DiagnosisKind.QuarantineInsideBundle => "quarantine-inside-bundle",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
